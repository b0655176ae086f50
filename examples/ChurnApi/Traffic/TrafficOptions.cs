using System.Globalization;

namespace ChurnApi.Traffic;

/// <summary>Command line of <c>ChurnApi traffic</c>.</summary>
/// <param name="IncidentAfter">When set, an "incident" starts this long after the start: a broken upstream client
/// doubles the rate and sends mostly invalid bodies or bodies without <c>tenure_months</c>, enough to fire the
/// course's HighErrorRate and MissingFeatures alerts.</param>
/// <param name="IncidentFor">How long the incident lasts.</param>
internal sealed record TrafficOptions(Uri Target, double RequestsPerSecond, TimeSpan? Duration, int Seed, int Concurrency,
    TimeSpan? IncidentAfter = null, TimeSpan? IncidentFor = null)
{
    public const string Usage =
        "usage: ChurnApi traffic --target http://127.0.0.1:5000 [--rps 20] [--duration 60s] [--seed 1] [--concurrency 32] [--incident-after 30s] [--incident-for 6m]";

    public static TrafficOptions Parse(string[] args)
    {
        Uri? target = null;
        var rps = 20.0;
        TimeSpan? duration = null;
        var seed = 1;
        var concurrency = 32;
        TimeSpan? incidentAfter = null;
        TimeSpan? incidentFor = null;
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = Split(args, ref i);
            switch (name)
            {
                case "--target":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out target))
                        throw new ArgumentException($"--target: \"{value}\" is not an absolute URL");
                    break;
                case "--rps":
                    rps = double.Parse(value, CultureInfo.InvariantCulture);
                    if (rps <= 0)
                        throw new ArgumentException("--rps must be positive");
                    break;
                case "--duration":
                    duration = ParseDuration(value);
                    break;
                case "--seed":
                    seed = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--concurrency":
                    concurrency = Math.Max(1, int.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--incident-after":
                    incidentAfter = ParseDuration(value);
                    break;
                case "--incident-for":
                    incidentFor = ParseDuration(value);
                    break;
                default:
                    throw new ArgumentException($"unknown flag {name}");
            }
        }
        if (incidentAfter != null)
            incidentFor ??= TimeSpan.FromMinutes(6);
        return new TrafficOptions(target ?? throw new ArgumentException("--target is required"), rps, duration, seed,
            concurrency, incidentAfter, incidentFor);
    }

    private static (string Name, string Value) Split(string[] args, ref int i)
    {
        var a = args[i];
        var eq = a.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
            return (a[..eq], a[(eq + 1)..]);
        if (i + 1 >= args.Length)
            throw new ArgumentException($"{a} needs a value");
        return (a, args[++i]);
    }

    private static TimeSpan ParseDuration(string s)
    {
        if (s.EndsWith("ms", StringComparison.Ordinal))
            return TimeSpan.FromMilliseconds(double.Parse(s[..^2], CultureInfo.InvariantCulture));
        return s[^1] switch
        {
            's' => TimeSpan.FromSeconds(double.Parse(s[..^1], CultureInfo.InvariantCulture)),
            'm' => TimeSpan.FromMinutes(double.Parse(s[..^1], CultureInfo.InvariantCulture)),
            'h' => TimeSpan.FromHours(double.Parse(s[..^1], CultureInfo.InvariantCulture)),
            _ => TimeSpan.FromSeconds(double.Parse(s, CultureInfo.InvariantCulture)),
        };
    }
}
