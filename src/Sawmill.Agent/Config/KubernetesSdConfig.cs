namespace Sawmill.Agent.Config;

/// <summary>Roles of <c>kubernetes_sd_configs</c> (Prometheus' names).</summary>
public enum KubernetesRole
{
    Pod,
    Node,
    Service,
    Endpoints,
}

/// <summary>One <c>selectors</c> entry: a label and/or field selector applied to the list and watch calls of one role.</summary>
public sealed record KubernetesSelector(KubernetesRole Role, string? Label, string? Field);

/// <summary>
/// One <c>kubernetes_sd_configs</c> entry, with the validation Prometheus applies when loading: <c>api_server</c> and
/// <c>kubeconfig_file</c> exclude each other, HTTP client settings need <c>api_server</c>, one selector per role and only
/// the roles the discovery role reads, and selectors must parse.
/// </summary>
public sealed record KubernetesSdConfig
{
    public required KubernetesRole Role { get; init; }
    /// <summary><c>api_server</c>; null = in-cluster config (or <see cref="KubeconfigFile"/>).</summary>
    public Uri? ApiServer { get; init; }
    public string? KubeconfigFile { get; init; }
    /// <summary><c>namespaces.names</c>; empty = all namespaces.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    /// <summary><c>namespaces.own_namespace</c>: add the namespace of the agent's service account (in-cluster only).</summary>
    public bool OwnNamespace { get; init; }
    public IReadOnlyList<KubernetesSelector> Selectors { get; init; } = [];
    /// <summary><c>attach_metadata.node</c>: add the node's labels to pod and endpoints targets.</summary>
    public bool AttachNodeMetadata { get; init; }
    /// <summary>HTTP client settings (only with <see cref="ApiServer"/>).</summary>
    public KubernetesHttpConfig Http { get; init; } = new();

    public KubernetesSelector? SelectorFor(KubernetesRole role) => Selectors.FirstOrDefault(s => s.Role == role);

    public static string RoleName(KubernetesRole role) => role switch
    {
        KubernetesRole.Pod => "pod",
        KubernetesRole.Node => "node",
        KubernetesRole.Service => "service",
        _ => "endpoints",
    };

    /// <summary>Reads one entry; returns null (with a warning) for the roles Sawmill does not implement.</summary>
    public static KubernetesSdConfig? Parse(YamlMap k, string job, List<string> warnings)
    {
        foreach (var key in k.Keys)
        {
            if (key is not ("role" or "api_server" or "kubeconfig_file" or "namespaces" or "selectors" or "attach_metadata"
                or "basic_auth" or "authorization" or "bearer_token" or "bearer_token_file" or "tls_config" or "proxy_url"
                or "follow_redirects" or "enable_http2" or "oauth2" or "no_proxy" or "proxy_from_environment" or "proxy_connect_header"))
                warnings.Add($"{k.Sub(key)}: unknown or unsupported key, ignored");
        }
        var roleText = k.Str("role");
        if (string.IsNullOrEmpty(roleText))
            throw new ConfigException($"{k.Path}: role missing (one of: pod, service, endpoints, endpointslice, node, ingress)");
        KubernetesRole role;
        switch (roleText)
        {
            case "pod": role = KubernetesRole.Pod; break;
            case "node": role = KubernetesRole.Node; break;
            case "service": role = KubernetesRole.Service; break;
            case "endpoints": role = KubernetesRole.Endpoints; break;
            case "endpointslice" or "ingress":
                warnings.Add($"scrape_configs job \"{job}\": kubernetes_sd_configs role \"{roleText}\" is not supported by sawmill agent (pod, node, service and endpoints are); this entry is ignored");
                return null;
            default:
                throw new ConfigException($"{k.Sub("role")}: unknown Kubernetes SD role \"{roleText}\"");
        }

        Uri? apiServer = null;
        if (k.Str("api_server") is { Length: > 0 } api)
        {
            if (!Uri.TryCreate(api, UriKind.Absolute, out apiServer) || (apiServer.Scheme != "http" && apiServer.Scheme != "https"))
                throw new ConfigException($"{k.Sub("api_server")}: invalid URL \"{api}\"");
        }
        var kubeconfig = k.Str("kubeconfig_file") is { Length: > 0 } kc ? kc : null;
        var http = KubernetesHttpConfig.Parse(k, warnings, job);
        var ns = k.Map("namespaces");
        var ownNamespace = ns?.Bool("own_namespace", false) ?? false;

        if (apiServer != null && kubeconfig != null)
            throw new ConfigException($"{k.Path}: cannot use 'kubeconfig_file' and 'api_server' simultaneously");
        if (kubeconfig != null && !http.IsDefault)
            throw new ConfigException($"{k.Path}: cannot use a custom HTTP client configuration together with 'kubeconfig_file'");
        if (apiServer == null && !http.IsDefault)
            throw new ConfigException($"{k.Path}: to use custom HTTP client configuration please provide the 'api_server' URL explicitly");
        if (apiServer != null && ownNamespace)
            throw new ConfigException($"{k.Path}: cannot use 'api_server' and 'namespaces.own_namespace' simultaneously");
        if (kubeconfig != null && ownNamespace)
            throw new ConfigException($"{k.Path}: cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously");

        var selectors = new List<KubernetesSelector>();
        foreach (var s in k.Maps("selectors"))
        {
            var sRoleText = s.Str("role", "");
            KubernetesRole? sRole = sRoleText switch
            {
                "pod" => KubernetesRole.Pod,
                "node" => KubernetesRole.Node,
                "service" => KubernetesRole.Service,
                "endpoints" => KubernetesRole.Endpoints,
                _ => null,
            };
            if (sRole == null && sRoleText is not ("endpointslice" or "ingress"))
                throw new ConfigException($"{s.Sub("role")}: unknown Kubernetes SD role \"{sRoleText}\"");
            if (selectors.Any(x => x.Role == sRole))
                throw new ConfigException($"{s.Path}: duplicated selector role: {sRoleText}");
            var allowed = role switch
            {
                KubernetesRole.Endpoints => new[] { "pod", "service", "endpoints" },
                _ => [RoleName(role)],
            };
            if (Array.IndexOf(allowed, sRoleText) < 0)
                throw new ConfigException($"{s.Path}: {RoleName(role)} role supports only {string.Join(", ", allowed)} selectors");
            var field = s.Str("field");
            var label = s.Str("label");
            if (!string.IsNullOrEmpty(field) && KubernetesSelectorSyntax.FieldError(field) is { } fe)
                throw new ConfigException($"{s.Sub("field")}: {fe}");
            if (!string.IsNullOrEmpty(label) && KubernetesSelectorSyntax.LabelError(label) is { } le)
                throw new ConfigException($"{s.Sub("label")}: {le}");
            selectors.Add(new KubernetesSelector(sRole!.Value, string.IsNullOrEmpty(label) ? null : label, string.IsNullOrEmpty(field) ? null : field));
        }

        return new KubernetesSdConfig
        {
            Role = role,
            ApiServer = apiServer,
            KubeconfigFile = kubeconfig,
            Namespaces = ns?.Strings("names") ?? [],
            OwnNamespace = ownNamespace,
            Selectors = selectors,
            AttachNodeMetadata = k.Map("attach_metadata")?.Bool("node", false) ?? false,
            Http = http,
        };
    }
}

/// <summary>
/// The HTTP client settings Prometheus inlines into <c>kubernetes_sd_configs</c> (used with <c>api_server</c>):
/// <c>bearer_token</c>, <c>bearer_token_file</c>, <c>authorization</c>, <c>basic_auth</c> and <c>tls_config</c>.
/// </summary>
public sealed record KubernetesHttpConfig
{
    public string? BearerToken { get; init; }
    public string? BearerTokenFile { get; init; }
    public string? BasicAuthUser { get; init; }
    public string? BasicAuthPassword { get; init; }
    public string? BasicAuthPasswordFile { get; init; }
    public string? CaFile { get; init; }
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }
    public bool InsecureSkipVerify { get; init; }

    public bool IsDefault => this == new KubernetesHttpConfig();

    internal static KubernetesHttpConfig Parse(YamlMap k, List<string> warnings, string job)
    {
        string? token = k.Str("bearer_token"), tokenFile = k.Str("bearer_token_file");
        if (k.Map("authorization") is { } auth)
        {
            var type = auth.Str("type", "Bearer");
            if (!string.Equals(type, "Bearer", StringComparison.OrdinalIgnoreCase))
                throw new ConfigException($"{auth.Sub("type")}: sawmill agent supports only the Bearer authorization type");
            token ??= auth.Str("credentials");
            tokenFile ??= auth.Str("credentials_file");
        }
        if (token != null && tokenFile != null)
            throw new ConfigException($"{k.Path}: at most one of bearer_token & bearer_token_file must be configured");
        var ba = k.Map("basic_auth");
        if (ba != null && (token != null || tokenFile != null))
            throw new ConfigException($"{k.Path}: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
        foreach (var key in new[] { "oauth2", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header" })
            if (k.Has(key))
                warnings.Add($"scrape_configs job \"{job}\": kubernetes_sd_configs {key} is not supported by sawmill agent; ignored");
        var tls = k.Map("tls_config");
        return new KubernetesHttpConfig
        {
            BearerToken = token,
            BearerTokenFile = tokenFile,
            BasicAuthUser = ba?.Str("username"),
            BasicAuthPassword = ba?.Str("password"),
            BasicAuthPasswordFile = ba?.Str("password_file"),
            CaFile = tls?.Str("ca_file"),
            CertFile = tls?.Str("cert_file"),
            KeyFile = tls?.Str("key_file"),
            InsecureSkipVerify = tls?.Bool("insecure_skip_verify", false) ?? false,
        };
    }
}

/// <summary>
/// Syntax checks of Kubernetes label and field selectors, so that a typo fails at load time (as in Prometheus)
/// rather than as a 400 from the API server. The selectors themselves are sent to the server unchanged.
/// </summary>
public static class KubernetesSelectorSyntax
{
    /// <summary>Field selector: comma-separated <c>key=value</c>, <c>key==value</c>, <c>key!=value</c>; <c>\</c> escapes <c>, = ! \</c>.</summary>
    public static string? FieldError(string selector)
    {
        foreach (var term in SplitTerms(selector))
        {
            if (term.Length == 0)
                continue;
            if (FindOperator(term) <= 0)
                return $"invalid selector: '{selector}'; can't understand '{term}'";
        }
        return null;
    }

    /// <summary>
    /// Label selector: comma-separated requirements <c>key</c>, <c>!key</c>, <c>key=v</c>, <c>key==v</c>, <c>key!=v</c>,
    /// <c>key in (a,b)</c>, <c>key notin (a,b)</c>, <c>key&gt;n</c>, <c>key&lt;n</c>, with Kubernetes' key and value syntax.
    /// </summary>
    public static string? LabelError(string selector)
    {
        var s = selector.Trim();
        var i = 0;
        while (i < s.Length)
        {
            SkipSpace(s, ref i);
            var negated = false;
            if (i < s.Length && s[i] == '!')
            {
                negated = true;
                i++;
                SkipSpace(s, ref i);
            }
            var keyStart = i;
            while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not ('=' or '!' or ',' or '(' or ')' or '<' or '>'))
                i++;
            var key = s[keyStart..i];
            if (QualifiedNameError(key) is { } ke)
                return $"unable to parse requirement: {ke}";
            SkipSpace(s, ref i);
            if (negated || i >= s.Length || s[i] == ',')
            {
                if (i < s.Length)
                    i++;
                continue;
            }
            string op;
            if (s[i] == '=' && i + 1 < s.Length && s[i + 1] == '=') { op = "=="; i += 2; }
            else if (s[i] == '=') { op = "="; i++; }
            else if (s[i] == '!' && i + 1 < s.Length && s[i + 1] == '=') { op = "!="; i += 2; }
            else if (s[i] is '<' or '>') { op = s[i].ToString(); i++; }
            else if (string.CompareOrdinal(s, i, "notin", 0, 5) == 0) { op = "notin"; i += 5; }
            else if (string.CompareOrdinal(s, i, "in", 0, 2) == 0) { op = "in"; i += 2; }
            else
                return $"found '{s[i]}', expected: in, notin, =, ==, !=, gt, lt";
            SkipSpace(s, ref i);
            if (op is "in" or "notin")
            {
                if (i >= s.Length || s[i] != '(')
                    return $"found '{(i < s.Length ? s[i].ToString() : "EOS")}', expected: '('";
                var close = s.IndexOf(')', i);
                if (close < 0)
                    return "found 'EOS', expected: ')'";
                foreach (var v in s[(i + 1)..close].Split(','))
                    if (ValueError(v.Trim()) is { } ve)
                        return ve;
                i = close + 1;
            }
            else
            {
                var vs = i;
                while (i < s.Length && s[i] != ',' && !char.IsWhiteSpace(s[i]))
                    i++;
                var value = s[vs..i];
                if (op is "<" or ">" && !long.TryParse(value, out _))
                    return $"for 'Gt', 'Lt' operators, the value must be an integer";
                if (ValueError(value) is { } ve)
                    return ve;
            }
            SkipSpace(s, ref i);
            if (i < s.Length)
            {
                if (s[i] != ',')
                    return $"found '{s[i]}', expected: ',' or 'end of string'";
                i++;
            }
        }
        return null;
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
            i++;
    }

    /// <summary>A label key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters.</summary>
    private static string? QualifiedNameError(string key)
    {
        if (key.Length == 0)
            return "name part must be non-empty";
        var slash = key.LastIndexOf('/');
        var name = slash >= 0 ? key[(slash + 1)..] : key;
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0 || prefix.Length > 253 || !prefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
                return $"prefix part of \"{key}\" must be a lowercase RFC 1123 subdomain";
        }
        if (name.Length == 0 || name.Length > 63)
            return $"name part of \"{key}\" must be 1 to 63 characters";
        if (!char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return $"name part of \"{key}\" must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
        return null;
    }

    private static string? ValueError(string value)
    {
        if (value.Length == 0)
            return null;
        if (value.Length > 63 || !char.IsAsciiLetterOrDigit(value[0]) || !char.IsAsciiLetterOrDigit(value[^1])
            || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return $"invalid label value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
        return null;
    }

    private static IEnumerable<string> SplitTerms(string s)
    {
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                i++;
                continue;
            }
            if (s[i] == ',')
            {
                yield return s[start..i];
                start = i + 1;
            }
        }
        yield return s[start..];
    }

    /// <summary>Index of the first unescaped <c>=</c> or <c>!=</c> of a field selector term, -1 when there is none.</summary>
    private static int FindOperator(string term)
    {
        for (var i = 0; i < term.Length; i++)
        {
            if (term[i] == '\\')
                i++;
            else if (term[i] == '=' || (term[i] == '!' && i + 1 < term.Length && term[i + 1] == '='))
                return i;
        }
        return -1;
    }
}
