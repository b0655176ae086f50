using System.Text.Json;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging;
using Sawmill.Logging.Formatting;
using Sawmill.Logging.Tests.Support;

namespace Sawmill.Logging.Tests.Formatting;

public sealed class JsonConsoleFormatterTests
{
    private static (ILogger Logger, CapturedLines Output, ILoggerFactory Factory) Create(
        SawmillJsonFormatterOptions? options = null, TimeProvider? time = null, string category = "churn_mlops.api")
    {
        var provider = new CapturingLoggerProvider(options, time);
        var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        return (factory.CreateLogger(category), provider.Output, factory);
    }

    [Fact]
    public void Each_event_is_one_JSON_object_on_one_line_with_the_course_fields()
    {
        var time = new FixedTimeProvider(new DateTimeOffset(2023, 12, 15, 10, 30, 45, 123, TimeSpan.Zero));
        var (log, output, factory) = Create(time: time);
        using (factory)
            log.Info("Prediction successful", new() { ["prediction"] = "no_churn", ["confidence"] = 0.87, ["model_version"] = "v1.2.3" });

        var line = Assert.Single(output.Lines);
        Assert.Equal(
            """{"timestamp":"2023-12-15T10:30:45.123Z","level":"INFO","logger":"churn_mlops.api","message":"Prediction successful","prediction":"no_churn","confidence":0.87,"model_version":"v1.2.3"}""",
            line);
    }

    [Theory]
    [InlineData(LogLevel.Trace, "TRACE")]
    [InlineData(LogLevel.Debug, "DEBUG")]
    [InlineData(LogLevel.Information, "INFO")]
    [InlineData(LogLevel.Warning, "WARNING")]
    [InlineData(LogLevel.Error, "ERROR")]
    [InlineData(LogLevel.Critical, "CRITICAL")]
    public void Levels_are_named_as_the_course_queries_expect(LogLevel level, string expected)
    {
        var (log, output, factory) = Create();
        using (factory)
            log.Log(level, "x");
        Assert.Equal(expected, Assert.Single(output.Events()).GetProperty("level").GetString());
    }

    [Fact]
    public void Level_and_field_names_are_configurable()
    {
        var options = new SawmillJsonFormatterOptions();
        options.LevelNames.Warning = "warn";
        options.FieldNames.Level = "severity";
        options.FieldNames.Message = "msg";
        options.FieldNames.Timestamp = "ts";
        options.IncludeLogger = false;
        var (log, output, factory) = Create(options);
        using (factory)
            log.LogWarning("careful");
        var e = Assert.Single(output.Events());
        Assert.Equal("warn", e.GetProperty("severity").GetString());
        Assert.Equal("careful", e.GetProperty("msg").GetString());
        Assert.True(e.TryGetProperty("ts", out _));
        Assert.False(e.TryGetProperty("logger", out _));
        Assert.False(e.TryGetProperty("level", out _));
    }

    private enum Plan
    {
        Monthly,
    }

    [Fact]
    public void Template_values_keep_their_JSON_types()
    {
        var (log, output, factory) = Create();
        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        using (factory)
        {
            log.LogInformation("Values {count} {ratio} {ok} {name} {nothing} {list} {map} {id} {plan} {nan} {big} {dec}",
                42, 0.25, true, "ada", null, new[] { "age", "tenure" }, new Dictionary<string, object> { ["age"] = 35, ["tenure"] = 12 },
                id, Plan.Monthly, double.NaN, long.MaxValue, 1.5m);
        }
        var e = Assert.Single(output.Events());
        Assert.Equal(JsonValueKind.Number, e.GetProperty("count").ValueKind);
        Assert.Equal(42, e.GetProperty("count").GetInt32());
        Assert.Equal(0.25, e.GetProperty("ratio").GetDouble());
        Assert.Equal(JsonValueKind.True, e.GetProperty("ok").ValueKind);
        Assert.Equal("ada", e.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("nothing").ValueKind);
        Assert.Equal(["age", "tenure"], e.GetProperty("list").EnumerateArray().Select(x => x.GetString()!).ToArray());
        Assert.Equal(35, e.GetProperty("map").GetProperty("age").GetInt32());
        Assert.Equal(id.ToString(), e.GetProperty("id").GetString());
        Assert.Equal("Monthly", e.GetProperty("plan").GetString());
        Assert.Equal("NaN", e.GetProperty("nan").GetString());
        Assert.Equal(long.MaxValue, e.GetProperty("big").GetInt64());
        Assert.Equal(1.5m, e.GetProperty("dec").GetDecimal());
        Assert.StartsWith("Values 42 0.25 True ada", e.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(e.TryGetProperty("{OriginalFormat}", out _));
    }

    [Fact]
    public void Scope_values_become_fields_and_plain_scopes_go_into_a_scopes_array()
    {
        var (log, output, factory) = Create();
        using (factory)
        using (log.BeginScope(new Dictionary<string, object?> { ["request_id"] = "abc-123" }))
        using (log.BeginScope("batch 7"))
        {
            log.Info("Making prediction", new() { ["features"] = new Dictionary<string, int> { ["age"] = 35 } });
        }
        var e = Assert.Single(output.Events());
        Assert.Equal("abc-123", e.GetProperty("request_id").GetString());
        Assert.Equal(35, e.GetProperty("features").GetProperty("age").GetInt32());
        Assert.Equal("batch 7", Assert.Single(e.GetProperty("scopes").EnumerateArray()).GetString());
    }

    [Fact]
    public void Scopes_are_left_out_when_disabled()
    {
        var (log, output, factory) = Create(new SawmillJsonFormatterOptions { IncludeScopes = false });
        using (factory)
        using (log.BeginScope(new Dictionary<string, object?> { ["request_id"] = "abc-123" }))
            log.LogInformation("x");
        Assert.False(Assert.Single(output.Events()).TryGetProperty("request_id", out _));
    }

    [Fact]
    public void An_exception_writes_its_full_text_and_its_type()
    {
        var (log, output, factory) = Create();
        using (factory)
        {
            try
            {
                throw new InvalidOperationException("model not loaded");
            }
            catch (InvalidOperationException e)
            {
                log.Error("Prediction failed", new() { ["error_type"] = e.GetType().Name }, e);
            }
        }
        var ev = Assert.Single(output.Events());
        Assert.Equal("ERROR", ev.GetProperty("level").GetString());
        Assert.Equal("InvalidOperationException", ev.GetProperty("exception_type").GetString());
        Assert.Equal("InvalidOperationException", ev.GetProperty("error_type").GetString());
        var text = ev.GetProperty("exception").GetString()!;
        Assert.Contains("System.InvalidOperationException: model not loaded", text, StringComparison.Ordinal);
        Assert.Contains(nameof(An_exception_writes_its_full_text_and_its_type), text, StringComparison.Ordinal);
        Assert.Single(output.Lines); // the stack trace's newlines are escaped, not printed
    }

    [Fact]
    public void A_property_named_like_a_standard_field_or_repeated_in_a_scope_is_written_once()
    {
        var (log, output, factory) = Create();
        using (factory)
        using (log.BeginScope(new Dictionary<string, object?> { ["request_id"] = "outer", ["level"] = "x" }))
            log.Info("hello", new() { ["message"] = "overridden?", ["request_id"] = "inner" });
        var line = Assert.Single(output.Lines);
        var e = JsonDocument.Parse(line).RootElement;
        Assert.Equal("hello", e.GetProperty("message").GetString());
        Assert.Equal("inner", e.GetProperty("request_id").GetString());
        Assert.Equal("INFO", e.GetProperty("level").GetString());
        Assert.Equal(1, CountOccurrences(line, "\"request_id\""));
        Assert.Equal(1, CountOccurrences(line, "\"message\""));
        Assert.Equal(1, CountOccurrences(line, "\"level\""));
    }

    [Fact]
    public void Excluded_included_and_renamed_properties_are_honoured()
    {
        var options = new SawmillJsonFormatterOptions();
        options.ExcludedProperties.Add("secret");
        options.RenamedProperties["UserId"] = "user_id";
        var (log, output, factory) = Create(options);
        using (factory)
            log.LogInformation("Login {UserId} {secret} {other}", 7, "hunter2", "o");
        var e = Assert.Single(output.Events());
        Assert.Equal(7, e.GetProperty("user_id").GetInt32());
        Assert.False(e.TryGetProperty("secret", out _));
        Assert.Equal("o", e.GetProperty("other").GetString());

        var only = new SawmillJsonFormatterOptions();
        only.IncludedProperties.Add("other");
        var (log2, output2, factory2) = Create(only);
        using (factory2)
            log2.LogInformation("Login {UserId} {other}", 7, "o");
        var e2 = Assert.Single(output2.Events());
        Assert.False(e2.TryGetProperty("UserId", out _));
        Assert.Equal("o", e2.GetProperty("other").GetString());
        Assert.Equal("INFO", e2.GetProperty("level").GetString());
    }

    [Fact]
    public void Source_fields_come_from_the_call_site_when_enabled()
    {
        var (log, output, factory) = Create(new SawmillJsonFormatterOptions { IncludeSource = true });
        using (factory)
        {
            log.Info("here");
            log.LogInformation("no caller info through plain MEL calls");
        }
        var events = output.Events();
        Assert.Equal("JsonConsoleFormatterTests.cs", events[0].GetProperty("file").GetString());
        Assert.Equal(nameof(Source_fields_come_from_the_call_site_when_enabled), events[0].GetProperty("function").GetString());
        Assert.True(events[0].GetProperty("line").GetInt32() > 0);
        Assert.False(events[1].TryGetProperty("file", out _));
    }

    [Fact]
    public void Event_ids_are_written_when_enabled()
    {
        var (log, output, factory) = Create(new SawmillJsonFormatterOptions { IncludeEventId = true });
        using (factory)
            log.LogInformation(new EventId(12, "Started"), "x");
        var e = Assert.Single(output.Events());
        Assert.Equal(12, e.GetProperty("event_id").GetInt32());
        Assert.Equal("Started", e.GetProperty("event_name").GetString());
    }

    [Fact]
    public void Deep_values_are_cut_at_the_depth_limit()
    {
        object deep = "leaf";
        for (var i = 0; i < 20; i++)
            deep = new object[] { deep };
        var (log, output, factory) = Create(new SawmillJsonFormatterOptions { MaxDepth = 3 });
        using (factory)
            log.Info("deep", new() { ["v"] = deep });
        var v = Assert.Single(output.Events()).GetProperty("v");
        var depth = 0;
        while (v.ValueKind == JsonValueKind.Array)
        {
            v = v[0];
            depth++;
        }
        Assert.Equal(3, depth);
        Assert.Equal(JsonValueKind.String, v.ValueKind);
    }

    [Fact]
    public void Non_ASCII_quotes_and_control_characters_stay_valid_single_line_JSON()
    {
        var (log, output, factory) = Create();
        const string tricky = "naïve \"quoted\" <b>+1</b>\r\nnext line\ttab \u0001 日本";
        using (factory)
            log.Info(tricky, new() { ["v"] = tricky });
        var line = Assert.Single(output.Lines);
        var e = JsonDocument.Parse(line).RootElement;
        Assert.Equal(tricky, e.GetProperty("message").GetString());
        Assert.Equal(tricky, e.GetProperty("v").GetString());
        Assert.Contains("naïve", line, StringComparison.Ordinal); // readable, not \u-escaped
    }

    [Fact]
    public void Logging_from_inside_a_value_formatter_on_the_same_thread_produces_two_valid_lines()
    {
        var (log, output, factory) = Create();
        using (factory)
            log.Info("outer", new() { ["v"] = new LogsWhenFormatted(log) });
        var events = output.Events();
        Assert.Equal(2, events.Count);
        Assert.Contains(events, e => e.GetProperty("message").GetString() == "inner");
        Assert.Contains(events, e => e.GetProperty("message").GetString() == "outer" && e.GetProperty("v").GetString() == "formatted");
    }

    [Fact]
    public async Task Concurrent_logging_from_many_threads_gives_only_whole_lines()
    {
        var (log, output, factory) = Create();
        using (factory)
        {
            await Parallel.ForAsync(0, 2000, (i, _) =>
            {
                using (log.BeginScope(new Dictionary<string, object?> { ["request_id"] = "r" + i }))
                    log.Info("event", new() { ["i"] = i, ["payload"] = new string('x', i % 300) });
                return ValueTask.CompletedTask;
            });
        }
        var events = output.Events();
        Assert.Equal(2000, events.Count);
        foreach (var e in events)
            Assert.Equal("r" + e.GetProperty("i").GetInt32(), e.GetProperty("request_id").GetString());
    }

    [Property(MaxTest = 200)]
    public bool Any_message_and_string_value_round_trip_through_the_line(string? message, string? value)
    {
        message ??= "";
        var (log, output, factory) = Create();
        using (factory)
            log.Info(message, new() { ["v"] = value });
        var e = Assert.Single(output.Events());
        return e.GetProperty("message").GetString() == message
            && (value == null ? e.GetProperty("v").ValueKind == JsonValueKind.Null : e.GetProperty("v").GetString() == value);
    }

    [Property(MaxTest = 200)]
    public bool Finite_doubles_and_longs_keep_their_value(double d, long l)
    {
        var (log, output, factory) = Create();
        using (factory)
            log.Info("n", new() { ["d"] = d, ["l"] = l });
        var e = Assert.Single(output.Events());
        var dOk = double.IsFinite(d) ? e.GetProperty("d").GetDouble().Equals(d) : e.GetProperty("d").ValueKind == JsonValueKind.String;
        return dOk && e.GetProperty("l").GetInt64() == l;
    }

    private static int CountOccurrences(string s, string what)
    {
        var n = 0;
        for (var i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + 1, StringComparison.Ordinal))
            n++;
        return n;
    }

    private sealed class LogsWhenFormatted(ILogger log)
    {
        public override string ToString()
        {
            log.Info("inner");
            return "formatted";
        }
    }
}
