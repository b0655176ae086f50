using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ChurnApi.Model;

namespace ChurnApi.Traffic;

/// <summary>
/// Sends a realistic mix to the churn API at a steady rate: mostly complete customers from the training
/// population, some with missing features, some with invalid values (strings, out of range), a few malformed
/// bodies and health checks. Every request carries an <c>X-Request-ID</c> (<c>gen-&lt;seed&gt;-&lt;n&gt;</c>) so a line
/// of the summary can be traced in the logs. The API's simulated feature store adds latency spikes and
/// database errors. Prints a one-line summary every 10 s; ctrl-c stops.
/// </summary>
internal static class TrafficGenerator
{
    public static async Task<int> RunAsync(string[] args)
    {
        TrafficOptions options;
        try
        {
            options = TrafficOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine("traffic: " + e.Message);
            Console.Error.WriteLine(TrafficOptions.Usage);
            return 2;
        }
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        if (options.Duration is { } d)
            stop.CancelAfter(d);
        await RunAsync(options, Console.Out, stop.Token);
        return 0;
    }

    public static async Task RunAsync(TrafficOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = options.Target, Timeout = TimeSpan.FromSeconds(10) };
        var customers = new SyntheticCustomers(options.Seed);
        var random = customers.Random;
        using var slots = new SemaphoreSlim(options.Concurrency);
        var counts = new int[6]; // 2xx, 4xx, 5xx, transport errors, skipped (all slots busy), total
        var clock = Stopwatch.StartNew();
        var incidentStart = options.IncidentAfter ?? TimeSpan.MaxValue;
        var incidentEnd = options.IncidentAfter is { } a ? a + (options.IncidentFor ?? TimeSpan.Zero) : TimeSpan.MaxValue;
        var incidentAnnounced = false;
        var due = TimeSpan.Zero;
        var nextReport = TimeSpan.FromSeconds(10);
        var inFlight = new List<Task>();
        long n = 0;
        await output.WriteLineAsync($"traffic: {options.RequestsPerSecond} requests/s to {options.Target}");
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.Elapsed;
            var incident = now >= incidentStart && now < incidentEnd;
            if (incident != incidentAnnounced)
            {
                incidentAnnounced = incident;
                await output.WriteLineAsync(incident
                    ? "traffic: incident started: a broken client sends invalid bodies and drops tenure_months (twice the rate)"
                    : "traffic: incident over");
            }
            due += TimeSpan.FromSeconds(1 / (options.RequestsPerSecond * (incident ? 2 : 1)));
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            n++;
            Interlocked.Increment(ref counts[5]);
            if (!slots.Wait(0))
            {
                Interlocked.Increment(ref counts[4]);
                continue;
            }
            var (kind, body) = incident ? NextIncidentRequest(customers, random) : NextRequest(customers, random);
            var id = string.Create(CultureInfo.InvariantCulture, $"gen-{options.Seed}-{n}");
            inFlight.Add(SendAsync(http, kind, body, id, counts, slots, cancellationToken));
            if (inFlight.Count > 256)
                inFlight.RemoveAll(t => t.IsCompleted);
            if (clock.Elapsed >= nextReport)
            {
                nextReport += TimeSpan.FromSeconds(10);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"traffic: sent={counts[5]} 2xx={counts[0]} 4xx={counts[1]} 5xx={counts[2]} errors={counts[3]} skipped={counts[4]}"));
            }
        }
        await Task.WhenAll(inFlight);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"traffic: done sent={counts[5]} 2xx={counts[0]} 4xx={counts[1]} 5xx={counts[2]} errors={counts[3]} skipped={counts[4]}"));
    }

    /// <summary>The mix: 75 % complete, 12 % missing features, 6 % invalid, 2 % malformed, 5 % health checks.</summary>
    internal static (RequestKind Kind, string? Body) NextRequest(SyntheticCustomers customers, Random random)
    {
        var roll = random.NextDouble();
        var kind = roll switch
        {
            < 0.75 => RequestKind.Complete,
            < 0.87 => RequestKind.MissingFeatures,
            < 0.93 => RequestKind.InvalidFeatures,
            < 0.95 => RequestKind.Malformed,
            _ => RequestKind.Health,
        };
        if (kind == RequestKind.Health)
            return (kind, null);
        if (kind == RequestKind.Malformed)
            return (kind, random.Next(2) == 0 ? "{\"features\": [1, 2, 3]}" : "{\"features\": {\"age\": 41,");
        var x = customers.NextFeatures();
        var features = new JsonObject();
        for (var j = 0; j < FeatureSpec.All.Length; j++)
            features[FeatureSpec.All[j].Name] = x[j];
        if (kind == RequestKind.MissingFeatures)
        {
            var drop = 1 + random.Next(2);
            for (var k = 0; k < drop; k++)
                features.Remove(FeatureSpec.All[random.Next(FeatureSpec.All.Length)].Name);
        }
        else if (kind == RequestKind.InvalidFeatures)
        {
            var name = FeatureSpec.All[random.Next(FeatureSpec.All.Length)].Name;
            features[name] = random.Next(3) switch
            {
                0 => JsonValue.Create("unknown"),
                1 => JsonValue.Create(-5),
                _ => JsonValue.Create(1e6),
            };
        }
        return (kind, new JsonObject { ["features"] = features }.ToJsonString());
    }

    /// <summary>During an incident: 40 % invalid, 40 % without tenure_months, the rest normal.</summary>
    internal static (RequestKind Kind, string? Body) NextIncidentRequest(SyntheticCustomers customers, Random random)
    {
        var roll = random.NextDouble();
        if (roll >= 0.8)
            return NextRequest(customers, random);
        var x = customers.NextFeatures();
        var features = new JsonObject();
        for (var j = 0; j < FeatureSpec.All.Length; j++)
            features[FeatureSpec.All[j].Name] = x[j];
        features.Remove("tenure_months");
        if (roll < 0.4)
        {
            features["monthly_charges"] = JsonValue.Create("$" + x[2].ToString(CultureInfo.InvariantCulture));
            return (RequestKind.InvalidFeatures, new JsonObject { ["features"] = features }.ToJsonString());
        }
        return (RequestKind.MissingFeatures, new JsonObject { ["features"] = features }.ToJsonString());
    }

    private static async Task SendAsync(HttpClient http, RequestKind kind, string? body, string id, int[] counts,
        SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            using var request = kind == RequestKind.Health
                ? new HttpRequestMessage(HttpMethod.Get, "health")
                : new HttpRequestMessage(HttpMethod.Post, "predict")
                {
                    Content = new StringContent(body!, Encoding.UTF8, "application/json"),
                };
            request.Headers.Add("X-Request-ID", id);
            using var response = await http.SendAsync(request, cancellationToken);
            var code = (int)response.StatusCode;
            Interlocked.Increment(ref counts[code >= 500 ? 2 : code >= 400 ? 1 : 0]);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            if (!cancellationToken.IsCancellationRequested)
                Interlocked.Increment(ref counts[3]);
        }
        finally
        {
            slots.Release();
        }
    }
}
