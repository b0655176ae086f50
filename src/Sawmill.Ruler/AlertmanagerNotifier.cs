using Sawmill.GoCompat;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Sawmill.Ruler;

/// <summary>
/// Sends alerts to every configured Alertmanager with API v2 (<c>POST /api/v2/alerts</c>, a JSON array of
/// <c>labels</c>, <c>annotations</c>, <c>startsAt</c>, <c>endsAt</c>, <c>generatorURL</c>). A bounded queue decouples
/// evaluation from delivery (oldest dropped when full, as Prometheus's notifier does); a batch is retried with backoff
/// per Alertmanager a few times. Lost sends are healed by the rules re-sending firing alerts every resend delay.
/// </summary>
public sealed class AlertmanagerNotifier : IAsyncDisposable
{
    private const int MaxBatch = 64;
    private readonly Channel<NotifierAlert> _queue;
    private readonly IReadOnlyList<string> _urls;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public AlertmanagerNotifier(IReadOnlyList<string> urls, int capacity, TimeSpan timeout, ILogger logger)
    {
        _urls = urls.Select(u => u.TrimEnd('/')).ToList();
        _logger = logger;
        _http = new HttpClient { Timeout = timeout };
        _queue = Channel.CreateBounded<NotifierAlert>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }, _ => RulerMetrics.NotificationsDropped.Inc());
        _loop = _urls.Count > 0 ? Task.Run(RunAsync) : Task.CompletedTask;
    }

    public bool Enabled => _urls.Count > 0;

    public void Send(IEnumerable<NotifierAlert> alerts)
    {
        if (!Enabled)
            return;
        foreach (var a in alerts)
            _queue.Writer.TryWrite(a);
        RulerMetrics.NotificationQueueLength.Set(_queue.Reader.Count);
    }

    private async Task RunAsync()
    {
        var batch = new List<NotifierAlert>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var a))
                    batch.Add(a);
                RulerMetrics.NotificationQueueLength.Set(_queue.Reader.Count);
                var body = Serialize(batch);
                await Task.WhenAll(_urls.Select(u => PostWithRetriesAsync(u, body, batch.Count)));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PostWithRetriesAsync(string baseUrl, byte[] body, int count)
    {
        var url = baseUrl + "/api/v2/alerts";
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var r = await _http.PostAsync(url, content, _stop.Token);
                if (r.IsSuccessStatusCode)
                {
                    RulerMetrics.NotificationsSent.WithLabels(baseUrl).Inc(count);
                    return;
                }
                var text = await r.Content.ReadAsStringAsync(_stop.Token);
                _logger.LogWarning("alertmanager rejected alerts url={Url} status={Status} body={Body}", url, (int)r.StatusCode, text.Trim());
                if ((int)r.StatusCode is >= 400 and < 500)
                {
                    RulerMetrics.NotificationErrors.WithLabels(baseUrl).Inc(count);
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !_stop.IsCancellationRequested)
            {
                _logger.LogWarning("error sending alerts url={Url} attempt={Attempt} err={Error}", url, attempt, e.Message);
            }
            if (attempt >= 3 || _stop.IsCancellationRequested)
            {
                RulerMetrics.NotificationErrors.WithLabels(baseUrl).Inc(count);
                return;
            }
            await Task.Delay(delay, _stop.Token);
            delay *= 2;
        }
    }

    /// <summary>Alertmanager v2's <c>postableAlerts</c> body.</summary>
    internal static byte[] Serialize(IReadOnlyList<NotifierAlert> alerts)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartArray();
            foreach (var a in alerts)
            {
                w.WriteStartObject();
                w.WriteStartObject("labels");
                foreach (var (k, v) in a.Labels)
                    w.WriteString(k, v);
                w.WriteEndObject();
                w.WriteStartObject("annotations");
                foreach (var (k, v) in a.Annotations)
                    w.WriteString(k, v);
                w.WriteEndObject();
                if (a.StartsAt != default)
                    w.WriteString("startsAt", GoTime.FormatRfc3339Nano(a.StartsAt));
                if (a.EndsAt != default)
                    w.WriteString("endsAt", GoTime.FormatRfc3339Nano(a.EndsAt));
                w.WriteString("generatorURL", a.GeneratorUrl);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return ms.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _http.Dispose();
        _stop.Dispose();
    }
}
