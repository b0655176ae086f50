using System.Text;

namespace Sawmill.Benchmarks.LogQL;

/// <summary>
/// Seeded, realistic log lines for the pipeline benchmarks: the course's churn-api JSON shape (~300 bytes),
/// the same content as logfmt, and the real loghub lines in the repository's <c>testdata/loghub</c>.
/// </summary>
internal static class PipelineData
{
    private static readonly string[] Levels = ["INFO", "INFO", "INFO", "INFO", "WARNING", "ERROR", "DEBUG"];
    private static readonly string[] Messages = ["Prediction made", "Making prediction", "Prediction successful", "Missing feature", "Request completed", "Model loaded"];
    private static readonly string[] Paths = ["/predict", "/health", "/metrics", "/batch_predict", "/model/info"];
    private static readonly string[] Features = ["tenure", "monthly_charges", "contract", "total_charges"];

    public static byte[][] ChurnJson(int count, int seed = 42)
    {
        var rng = new Random(seed);
        var lines = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var level = Levels[rng.Next(Levels.Length)];
            var status = level == "ERROR" ? 500 + rng.Next(4) : 200;
            var line = $"{{\"timestamp\":\"2023-12-15T10:{rng.Next(60):D2}:{rng.Next(60):D2}.{rng.Next(1000):D3}Z\",\"level\":\"{level}\"," +
                $"\"logger\":\"churn_api.main\",\"message\":\"{Messages[rng.Next(Messages.Length)]}\",\"request_id\":\"{Guid.NewGuid()}\"," +
                $"\"method\":\"POST\",\"path\":\"{Paths[rng.Next(Paths.Length)]}\",\"status_code\":{status},\"latency_ms\":{rng.NextDouble() * 400:F2}," +
                $"\"user\":\"user{rng.Next(1000)}\",\"model_version\":\"v1.2.3\",\"confidence\":{rng.NextDouble():F3},\"feature\":\"{Features[rng.Next(Features.Length)]}\"}}";
            lines[i] = Encoding.UTF8.GetBytes(line);
        }
        return lines;
    }

    public static byte[][] ChurnLogfmt(int count, int seed = 42)
    {
        var rng = new Random(seed);
        var lines = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var level = Levels[rng.Next(Levels.Length)];
            var status = level == "ERROR" ? 500 + rng.Next(4) : 200;
            var line = $"ts=2023-12-15T10:{rng.Next(60):D2}:{rng.Next(60):D2}.{rng.Next(1000):D3}Z level={level.ToLowerInvariant()} logger=churn_api.main " +
                $"msg=\"{Messages[rng.Next(Messages.Length)]}\" request_id={Guid.NewGuid()} method=POST path={Paths[rng.Next(Paths.Length)]} " +
                $"status={status} latency_ms={rng.NextDouble() * 400:F2} user=user{rng.Next(1000)} model_version=v1.2.3 confidence={rng.NextDouble():F3} " +
                $"feature={Features[rng.Next(Features.Length)]} caller=api/handlers.py:142";
            lines[i] = Encoding.UTF8.GetBytes(line);
        }
        return lines;
    }

    /// <summary>All loghub sample lines of the repository's <c>testdata/loghub</c> (16 systems mixed).</summary>
    public static byte[][] Loghub() =>
        Sawmill.Testing.Loghub.All().SelectMany(s => s.Lines).Select(Encoding.UTF8.GetBytes).ToArray();

    public static long TotalBytes(byte[][] lines)
    {
        long n = 0;
        foreach (var l in lines)
            n += l.Length;
        return n;
    }
}
