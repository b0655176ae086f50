namespace Sawmill.Ruler.Tests;

/// <summary>The "Log-Based Alerts" rule file from the course, exactly as written there.</summary>
internal static class CourseRules
{
    public static string Text
    {
        get
        {
            var course = File.ReadAllText(FindCourse());
            var start = course.IndexOf("# grafana-alert-rules.yaml", StringComparison.Ordinal);
            var end = course.IndexOf("```", start, StringComparison.Ordinal);
            return course[start..end];
        }
    }

    private static string FindCourse()
    {
        foreach (var candidate in new[] { "/work/shared/seed/loki-logging-course.md" })
            if (File.Exists(candidate))
                return candidate;
        // Walk up from the test binaries to a checkout that carries the seed next to it.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var p = Path.Combine(dir.FullName, "shared", "seed", "loki-logging-course.md");
            if (File.Exists(p))
                return p;
        }
        throw new FileNotFoundException("loki-logging-course.md not found");
    }
}
