namespace Sawmill.Web.Tests;

/// <summary>Browser tests share one server, Prometheus and browser (starting them is most of the run time).</summary>
[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}
