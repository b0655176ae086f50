using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Authentication;
using Sawmill.Agent.Config;

namespace Sawmill.Agent.Discovery.Kubernetes;

/// <summary>
/// Connects the official Kubernetes client the way Prometheus connects client-go: <c>kubeconfig_file</c> when set,
/// else <c>api_server</c> with the entry's HTTP client settings, else the in-cluster config (the pod's service-account
/// token, re-read as the kubelet rotates it, and CA, and <c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c>).
/// </summary>
internal static class KubernetesClientFactory
{
    public const string ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    public static k8s.Kubernetes Create(KubernetesSdConfig config, string serviceAccountDir = ServiceAccountDir)
    {
        KubernetesClientConfiguration kc;
        if (config.KubeconfigFile != null)
        {
            try
            {
                kc = KubernetesClientConfiguration.BuildConfigFromConfigFile(config.KubeconfigFile);
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or YamlDotNet.Core.YamlException)
            {
                throw new ConfigException($"kubernetes_sd_configs: cannot load kubeconfig_file {config.KubeconfigFile}: {e.Message}");
            }
        }
        else if (config.ApiServer != null)
        {
            var h = config.Http;
            kc = new KubernetesClientConfiguration
            {
                Host = config.ApiServer.ToString().TrimEnd('/'),
                SkipTlsVerify = h.InsecureSkipVerify,
                ClientCertificateFilePath = h.CertFile,
                ClientKeyFilePath = h.KeyFile,
            };
            if (h.CaFile != null)
                kc.SslCaCerts = LoadPem(h.CaFile);
            if (h.BearerTokenFile != null)
                kc.TokenProvider = new TokenFileAuth(h.BearerTokenFile);
            else if (h.BearerToken != null)
                kc.AccessToken = h.BearerToken;
            if (h.BasicAuthUser != null)
            {
                kc.Username = h.BasicAuthUser;
                kc.Password = h.BasicAuthPasswordFile != null ? File.ReadAllText(h.BasicAuthPasswordFile).Trim() : h.BasicAuthPassword;
            }
        }
        else
        {
            kc = InCluster(serviceAccountDir);
        }
        var client = new k8s.Kubernetes(kc);
        client.HttpClient.DefaultRequestHeaders.UserAgent.Clear();
        client.HttpClient.DefaultRequestHeaders.UserAgent.ParseAdd("sawmill-agent/" + (typeof(KubernetesClientFactory).Assembly.GetName().Version?.ToString(3) ?? "0"));
        return client;
    }

    /// <summary>
    /// The in-cluster config: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT with the token and CA of
    /// <paramref name="serviceAccountDir"/> (Prometheus fails the same way when they are missing).
    /// </summary>
    public static KubernetesClientConfiguration InCluster(string serviceAccountDir)
    {
        var host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
            throw new ConfigException("kubernetes_sd_configs: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined " +
                                      "(outside a cluster set api_server or kubeconfig_file)");
        var token = Path.Combine(serviceAccountDir, "token");
        var ca = Path.Combine(serviceAccountDir, "ca.crt");
        if (!File.Exists(token))
            throw new ConfigException($"kubernetes_sd_configs: in-cluster configuration: open {token}: no such file or directory");
        if (!File.Exists(ca))
            throw new ConfigException($"kubernetes_sd_configs: in-cluster configuration: open {ca}: no such file or directory");
        var hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host;
        return new KubernetesClientConfiguration
        {
            Host = $"https://{hostPart}:{port}",
            TokenProvider = new TokenFileAuth(token),
            SslCaCerts = LoadPem(ca),
        };
    }

    private static X509Certificate2Collection LoadPem(string file)
    {
        var certs = new X509Certificate2Collection();
        try
        {
            certs.ImportFromPemFile(file);
        }
        catch (Exception e) when (e is IOException or CryptographicException)
        {
            throw new ConfigException($"kubernetes_sd_configs: cannot read CA certificates from {file}: {e.Message}");
        }
        return certs;
    }

    /// <summary>The agent's own namespace (namespaces.own_namespace), from the service account.</summary>
    public static string OwnNamespace(string serviceAccountDir = ServiceAccountDir)
    {
        var file = Path.Combine(serviceAccountDir, "namespace");
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (IOException e)
        {
            throw new ConfigException($"kubernetes_sd_configs: could not determine the pod's namespace: {e.Message}");
        }
        if (text.Length == 0)
            throw new ConfigException("kubernetes_sd_configs: could not read own namespace name (empty file)");
        return text;
    }
}
