using System.Text.Json;
using System.Text.Json.Serialization;
using Sawmill.Core;

namespace Sawmill.Ruler;

/// <summary>
/// Keeps alert state across restarts: one JSON file per tenant and group under <c>&lt;data&gt;/ruler/state/</c>,
/// written atomically (temp + rename) after every evaluation that changed it. Missing or corrupt files give
/// no alerts (the rule then starts from inactive, as Prometheus without <c>ALERTS_FOR_STATE</c> would).
/// </summary>
public sealed class AlertStateStore(string directory)
{
    // Alerts are saved as they are; a NaN value (a query can return one) is written as "NaN".
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new LabelsConverter() },
    };

    public string Directory { get; } = directory;

    private string PathOf(string tenant, string ns, string group) =>
        Path.Combine(Directory, tenant, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ns + "\0" + group)))[..32] + ".json");

    public Dictionary<string, List<Alert>> Load(string tenant, string ns, string group)
    {
        var path = PathOf(tenant, ns, group);
        var result = new Dictionary<string, List<Alert>>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return result;
        try
        {
            var file = JsonSerializer.Deserialize<StateFile>(File.ReadAllText(path), Json);
            foreach (var r in file?.Rules ?? [])
                result[r.Rule] = r.Alerts;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            // A torn or foreign file: start fresh rather than refusing to run the group.
        }
        return result;
    }

    public void Save(string tenant, string ns, string group, IEnumerable<(string Rule, List<Alert> Alerts)> rules)
    {
        var file = new StateFile
        {
            Namespace = ns,
            Group = group,
            Rules = rules.Select(r => new RuleState { Rule = r.Rule, Alerts = r.Alerts }).ToList(),
        };
        var path = PathOf(tenant, ns, group);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(file, Json));
        File.Move(tmp, path, overwrite: true);
    }

    public void Delete(string tenant, string ns, string group)
    {
        var path = PathOf(tenant, ns, group);
        if (File.Exists(path))
            File.Delete(path);
    }

    private sealed class StateFile
    {
        public string Namespace { get; set; } = "";
        public string Group { get; set; } = "";
        public List<RuleState> Rules { get; set; } = [];
    }

    private sealed class RuleState
    {
        public string Rule { get; set; } = "";
        public List<Alert> Alerts { get; set; } = [];
    }

    /// <summary>A label set as a JSON object of names to values, in the set's order.</summary>
    private sealed class LabelsConverter : JsonConverter<Labels>
    {
        public override Labels Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Labels.From((JsonSerializer.Deserialize<Dictionary<string, string>>(ref reader, options) ?? []).Select(p => new Label(p.Key, p.Value)));

        public override void Write(Utf8JsonWriter writer, Labels value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.ToDictionary(), options);
    }
}
