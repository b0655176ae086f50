using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChurnApi;
using ChurnApi.Model;
using ChurnApi.Traffic;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sawmill.Logging.Tests.Support;
using Sawmill.Testing;

namespace Sawmill.Logging.Tests.Example;

/// <summary>The churn API example through a real Kestrel host, its logs captured with the real formatter.</summary>
public sealed class ChurnApiTests
{
    private sealed class Api : IAsyncDisposable
    {
        public required WebApplication App { get; init; }
        public required HttpClient Client { get; init; }
        public required CapturedLines Output { get; init; }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    private static async Task<Api> StartAsync(params string[] settings)
    {
        var capture = new CapturingLoggerProvider();
        string[] args = ["--urls", "http://127.0.0.1:0", "--SawmillLogging:Console:Enabled=false", .. settings];
        var app = ChurnApiApp.Build(args, b => b.Logging.AddProvider(capture));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Api
        {
            App = app,
            Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) },
            Output = capture.Output,
        };
    }

    private static readonly string[] Quiet = ["--ChurnApi:FeatureStore:ErrorRate=0", "--ChurnApi:FeatureStore:LatencySpikeRate=0"];

    private static async Task<(HttpResponseMessage Response, JsonElement Body)> PredictAsync(Api api, string body, string id)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/predict")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        req.Headers.Add("X-Request-ID", id);
        var resp = await api.Client.SendAsync(req);
        var json = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.Clone();
        return (resp, json);
    }

    private static List<JsonElement> Lines(Api api, string id) =>
        api.Output.Events().FindAll(e => e.TryGetProperty("request_id", out var r) && r.GetString() == id);

    [Fact]
    public void The_model_trained_at_start_up_learns_the_synthetic_churn_and_is_deterministic()
    {
        var a = ChurnModel.Train("v1", 42);
        var b = ChurnModel.Train("v1", 42);
        Assert.True(a.TrainingAccuracy > 0.7, $"accuracy {a.TrainingAccuracy}");
        var risky = new Dictionary<string, double>
        {
            ["age"] = 25, ["tenure_months"] = 1, ["monthly_charges"] = 140, ["support_calls"] = 8, ["contract_months"] = 1, ["num_products"] = 1,
        };
        var loyal = new Dictionary<string, double>
        {
            ["age"] = 60, ["tenure_months"] = 100, ["monthly_charges"] = 30, ["support_calls"] = 0, ["contract_months"] = 24, ["num_products"] = 5,
        };
        Assert.True(a.ChurnProbability(risky) > 0.8);
        Assert.True(a.ChurnProbability(loyal) < 0.2);
        Assert.Equal(a.ChurnProbability(risky), b.ChurnProbability(risky));
    }

    [Fact]
    public async Task A_complete_request_logs_the_course_events_with_their_fields()
    {
        await using var api = await StartAsync(Quiet);
        var (resp, body) = await PredictAsync(api,
            """{"features":{"age":25,"tenure_months":1,"monthly_charges":140,"support_calls":8,"contract_months":1,"num_products":1}}""", "r-ok");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("churn", body.GetProperty("prediction").GetString());
        Assert.Equal("r-ok", body.GetProperty("request_id").GetString());

        var lines = Lines(api, "r-ok");
        Assert.Equal(["Request started", "Prediction requested", "Prediction successful", "Request completed"],
            lines.Select(l => l.GetProperty("message").GetString()!).ToArray());
        Assert.Equal(6, lines[1].GetProperty("feature_count").GetInt32());
        var ok = lines[2];
        Assert.Equal("INFO", ok.GetProperty("level").GetString());
        Assert.Equal("churn", ok.GetProperty("prediction").GetString());
        Assert.Equal(body.GetProperty("confidence").GetDouble(), ok.GetProperty("confidence").GetDouble());
        Assert.Equal("v1.2.3", ok.GetProperty("model_version").GetString());
        Assert.Equal(JsonValueKind.Number, ok.GetProperty("latency_ms").ValueKind);
        Assert.Equal("churn_api", ok.GetProperty("logger").GetString());
    }

    [Fact]
    public async Task Missing_features_are_warned_about_as_a_list_and_one_by_one()
    {
        await using var api = await StartAsync(Quiet);
        var (resp, _) = await PredictAsync(api, """{"features":{"age":40,"monthly_charges":50,"contract_months":12,"num_products":2}}""", "r-miss");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var lines = Lines(api, "r-miss");
        var missing = Assert.Single(lines, l => l.GetProperty("message").GetString() == "Missing features");
        Assert.Equal("WARNING", missing.GetProperty("level").GetString());
        Assert.Equal(["tenure_months", "support_calls"], missing.GetProperty("missing_features").EnumerateArray().Select(e => e.GetString()!).ToArray());
        var each = lines.FindAll(l => l.GetProperty("message").GetString() == "Missing feature");
        Assert.Equal(["tenure_months", "support_calls"], each.Select(l => l.GetProperty("feature").GetString()!).ToArray());
        Assert.Contains(lines, l => l.GetProperty("message").GetString() == "Prediction successful");
    }

    [Theory]
    [InlineData("""{"features":{"age":"forty"}}""", "must be a number")]
    [InlineData("""{"features":{"age":-5}}""", "outside")]
    [InlineData("""{"features":[1,2]}""", "must be an object")]
    [InlineData("""{"features":{"age":4""", "not valid JSON")]
    public async Task Invalid_features_answer_400_and_log_an_ERROR_with_the_error_type(string body, string text)
    {
        await using var api = await StartAsync(Quiet);
        var (resp, json) = await PredictAsync(api, body, "r-bad");
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.Contains(text, json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var error = Assert.Single(Lines(api, "r-bad"), l => l.GetProperty("message").GetString() == "Invalid features");
        Assert.Equal("ERROR", error.GetProperty("level").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error_type").GetString()));
        Assert.Contains(text, error.GetProperty("error_message").GetString(), StringComparison.Ordinal);
        Assert.True(error.TryGetProperty("exception", out _));
    }

    [Fact]
    public async Task A_feature_store_failure_logs_Prediction_error_with_database_connection_and_answers_500()
    {
        await using var api = await StartAsync("--ChurnApi:FeatureStore:ErrorRate=1", "--ChurnApi:FeatureStore:LatencySpikeMs=10");
        var (resp, _) = await PredictAsync(api, """{"features":{"age":40}}""", "r-db");
        Assert.Equal(HttpStatusCode.InternalServerError, resp.StatusCode);
        var error = Assert.Single(Lines(api, "r-db"), l => l.GetProperty("message").GetString() == "Prediction error");
        Assert.Equal("ERROR", error.GetProperty("level").GetString());
        Assert.Equal("TimeoutException", error.GetProperty("error_type").GetString());
        Assert.Contains("database connection", error.GetProperty("error_message").GetString(), StringComparison.Ordinal);
        var completed = Assert.Single(Lines(api, "r-db"), l => l.GetProperty("message").GetString() == "Request completed");
        Assert.Equal(500, completed.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Predictions_below_the_threshold_log_Low_confidence_prediction()
    {
        await using var api = await StartAsync([.. Quiet, "--ChurnApi:ConfidenceThreshold=1.01"]);
        var (resp, body) = await PredictAsync(api, """{"features":{"age":40}}""", "r-low");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var low = Assert.Single(Lines(api, "r-low"), l => l.GetProperty("message").GetString() == "Low confidence prediction");
        Assert.Equal("WARNING", low.GetProperty("level").GetString());
        Assert.Equal(1.01, low.GetProperty("threshold").GetDouble());
        Assert.Equal(body.GetProperty("confidence").GetDouble(), low.GetProperty("confidence").GetDouble());
    }

    [Fact]
    public async Task Health_test_logs_and_metrics_answer()
    {
        await using var api = await StartAsync(Quiet);
        var health = await api.Client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        await api.Client.GetStringAsync("/test-logs");
        Assert.Single(api.Output.WithMessage("Warning log"), l => l.GetProperty("threshold").GetInt32() == 100);
        Assert.Single(api.Output.WithMessage("Error log"), l => l.GetProperty("level").GetString() == "ERROR");
        await PredictAsync(api, """{"features":{"age":40}}""", "r-m");
        var metrics = await api.Client.GetStringAsync("/metrics");
        Assert.Contains("churn_api_requests_total{status=\"200\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("churn_api_request_latency_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("churn_api_prediction_confidence_bucket", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void The_generator_mix_contains_every_kind_and_bodies_are_JSON_where_they_should_be()
    {
        var customers = new SyntheticCustomers(3);
        var counts = new Dictionary<RequestKind, int>();
        for (var i = 0; i < 2000; i++)
        {
            var (kind, body) = TrafficGenerator.NextRequest(customers, customers.Random);
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            if (kind is RequestKind.Complete or RequestKind.MissingFeatures or RequestKind.InvalidFeatures)
                Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(body!).RootElement.GetProperty("features").ValueKind);
        }
        Assert.Equal(5, counts.Count);
        Assert.True(counts[RequestKind.Complete] > counts[RequestKind.MissingFeatures]);
        Assert.True(counts[RequestKind.MissingFeatures] > counts[RequestKind.InvalidFeatures]);
    }

    [Fact]
    public async Task The_generator_against_the_API_produces_every_course_event()
    {
        await using var api = await StartAsync("--ChurnApi:FeatureStore:ErrorRate=0.1", "--ChurnApi:FeatureStore:LatencySpikeMs=20");
        using var output = new StringWriter();
        await TrafficGenerator.RunAsync(
            new TrafficOptions(api.Client.BaseAddress!, 200, null, 5, 16), output, new CancellationTokenSource(TimeSpan.FromSeconds(3)).Token);
        var messages = api.Output.Events().Select(e => e.GetProperty("message").GetString()).ToHashSet();
        foreach (var m in new[] { "Prediction requested", "Missing features", "Missing feature", "Prediction successful",
                     "Low confidence prediction", "Invalid features", "Prediction error", "Request completed" })
            Assert.Contains(m, messages);
        Assert.Contains("traffic: done", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pushed_to_a_real_sawmill_the_logs_answer_the_course_queries_by_label_and_request_id()
    {
        await using var sawmill = await SawmillProcess.StartAsync();
        var since = DateTimeOffset.UtcNow;
        var app = "churn-api-" + Guid.NewGuid().ToString("N")[..6];
        await using (var api = await StartAsync([.. Quiet,
            "--SawmillLogging:Push:Url=" + sawmill.BaseAddress, "--SawmillLogging:Push:Labels:app=" + app,
            "--SawmillLogging:Push:BatchWait=00:00:00.100", "--SawmillLogging:Push:SelfLogToStderr=false"]))
        {
            await PredictAsync(api, """{"features":{"age":"x"}}""", "abc-123");
            await PredictAsync(api, """{"features":{"age":40}}""", "abc-124");
        } // stopping the host disposes the provider, which flushes

        using var client = sawmill.CreateClient();
        var errors = await LokiQuery.WaitForAsync(client, $"{{app=\"{app}\", level=\"ERROR\"}}", since, 1);
        var error = Assert.Single(errors);
        Assert.Equal("Invalid features", error.Json.GetProperty("message").GetString());
        Assert.Equal("abc-123", error.Json.GetProperty("request_id").GetString());
        Assert.Equal("dev", error.Labels["env"]);
        var flow = await LokiQuery.WaitForAsync(client, $"{{app=\"{app}\"}} |= \"abc-124\"", since, 5);
        Assert.Contains(flow, l => l.Json.GetProperty("message").GetString() == "Prediction successful");
        Assert.Contains(flow, l => l.Labels["level"] == "WARNING" && l.Json.GetProperty("message").GetString() == "Missing features");
    }
}
