using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sawmill.Agent.Tests.Discovery.Kubernetes;

/// <summary>A self-signed server certificate for 127.0.0.1, as the stand-in API server's TLS identity and its own CA.</summary>
internal sealed class TestCertificate : IDisposable
{
    public TestCertificate()
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Pem = cert.ExportCertificatePem();
        // Kestrel needs the key in a persisted form: round-trip through PKCS#12.
        Certificate = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate in PEM, for ca.crt files and kubeconfig's certificate-authority-data.</summary>
    public string Pem { get; }

    public void Dispose() => Certificate.Dispose();
}
