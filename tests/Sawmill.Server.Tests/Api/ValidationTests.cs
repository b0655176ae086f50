using System.Net;

namespace Sawmill.Server.Tests.Api;

public sealed class ValidationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Http => fixture.Server.CreateClient();

    private async Task<(int Status, string Body)> Push(string json)
    {
        using var r = await Client.PushJsonAsync(Http, json);
        return ((int)r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_invalid_label_name_is_rejected_with_400()
    {
        var (status, body) = await Push(Client.Body(Client.Stream("{\"1app\":\"x\"}", (Client.Now, "l"))));
        Assert.Equal(400, status);
        Assert.Equal("couldn't parse labels: 1:2: parse error: unexpected character inside braces: '1'\n", body);
    }

    [Fact]
    public async Task A_stream_without_labels_gets_service_name_unknown_service()
    {
        // Loki 3 adds service_name before it validates, so a stream without labels is no longer refused.
        var now = Client.Now;
        var line = "no labels " + Guid.NewGuid().ToString("N");
        var (status, _) = await Push(Client.Body(Client.Stream("{}", (now, line))));
        Assert.Equal(204, status);
        var lines = await Client.QueryLinesAsync(Http, $"{{service_name=\"unknown_service\"}} |= \"{line}\"", now - 1000, now + 1);
        Assert.Contains("\"service_name\":\"unknown_service\"", Assert.Single(lines).Stream);
    }

    [Fact]
    public async Task Too_many_label_names_are_rejected()
    {
        var labels = "{" + string.Join(',', Enumerable.Range(0, 16).Select(i => $"\"l{i}\":\"v\"")) + "}";
        var (status, body) = await Push(Client.Body(Client.Stream(labels, (Client.Now, "l"))));
        Assert.Equal(400, status);
        Assert.Contains("has 16 label names; limit 15", body);
    }

    [Fact]
    public async Task A_too_long_label_value_is_rejected()
    {
        var (status, body) = await Push(Client.Body(Client.Stream($"{{\"app\":\"{new string('v', 2049)}\"}}", (Client.Now, "l"))));
        Assert.Equal(400, status);
        Assert.Contains("has label value too long", body);
    }

    [Fact]
    public async Task An_entry_older_than_the_max_age_is_rejected_with_both_timestamps()
    {
        var old = Client.Now - 8L * 24 * 3600 * 1_000_000_000;
        var (status, body) = await Push(Client.Body(Client.Stream("{\"app\":\"old\"}", (old, "l"))));
        Assert.Equal(400, status);
        Assert.Matches("^entry for stream '\\{app=\"old\", service_name=\"old\"\\}' has timestamp too old: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ, oldest acceptable timestamp is: ", body);
    }

    [Fact]
    public async Task An_entry_from_the_future_is_rejected()
    {
        var future = Client.Now + 3600L * 1_000_000_000;
        var (status, body) = await Push(Client.Body(Client.Stream("{\"app\":\"future\"}", (future, "l"))));
        Assert.Equal(400, status);
        Assert.Contains("has timestamp too new", body);
    }

    [Fact]
    public async Task A_partly_invalid_batch_keeps_its_valid_entries()
    {
        var now = Client.Now;
        var app = "partial-" + Guid.NewGuid().ToString("N")[..8];
        var (status, body) = await Push(Client.Body(
            Client.Stream($"{{\"app\":\"{app}\"}}", (now, "good one")),
            Client.Stream($"{{\"app\":\"{new string('v', 2049)}\"}}", (now, "bad one"))));
        Assert.Equal(400, status);
        Assert.EndsWith("has label value too long: '" + new string('v', 2049) + "'\n", body);
        var lines = await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - 1000, now + 1);
        Assert.Equal("good one", Assert.Single(lines).Line);
    }

    [Fact]
    public async Task A_label_string_that_does_not_parse_refuses_the_whole_push()
    {
        var now = Client.Now;
        var app = "whole-" + Guid.NewGuid().ToString("N")[..8];
        var (status, body) = await Push(Client.Body(
            Client.Stream($"{{\"app\":\"{app}\"}}", (now, "good one")),
            Client.Stream("{\"bad-name\":\"x\"}", (now, "bad one"))));
        Assert.Equal(400, status);
        Assert.Equal("couldn't parse labels: 1:5: parse error: unexpected character inside braces: '-'\n", body);
        Assert.Empty(await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - 1000, now + 1));
    }

    [Fact]
    public async Task Repeated_errors_are_grouped_as_Loki_groups_them()
    {
        var future = Client.Now + 3600L * 1_000_000_000;
        var (status, body) = await Push(Client.Body(Client.Stream("{\"app\":\"future2\"}", (future, "a"), (future, "b"))));
        Assert.Equal(400, status);
        Assert.StartsWith("2 errors like: entry for stream '{app=\"future2\", service_name=\"future2\"}' has timestamp too new: ", body);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"streams\":{}}")]
    [InlineData("{\"streams\":[{\"stream\":{\"a\":\"b\"},\"values\":[[\"notanumber\",\"x\"]]}]}")]
    public async Task Malformed_json_bodies_get_400_with_a_reason(string json)
    {
        var (status, body) = await Push(json);
        Assert.Equal(400, status);
        Assert.StartsWith("invalid JSON push body", body);
    }

    [Fact]
    public async Task Malformed_protobuf_gets_400()
    {
        var content = new ByteArrayContent(Snappier.Snappy.CompressToArray([0x0A, 0xFF, 0xFF, 0x01]));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
        using var r = await Http.PostAsync("/loki/api/v1/push", content);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("malformed protobuf", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_exact_duplicate_is_dropped_silently()
    {
        var now = Client.Now;
        var app = "dup-" + Guid.NewGuid().ToString("N")[..8];
        var body = Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", (now, "same")));
        Assert.Equal(204, (await Push(body)).Status);
        Assert.Equal(204, (await Push(body)).Status);
        Assert.Single(await Client.QueryLinesAsync(Http, $"{{app=\"{app}\"}}", now - 1, now + 1));
    }
}
