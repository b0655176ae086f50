using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Sawmill.Logging.Formatting;
using Sawmill.Logging.Push;

namespace Sawmill.Logging;

/// <summary>Adds Sawmill's JSON console format and push provider to a logging builder.</summary>
public static class SawmillLoggingBuilderExtensions
{
    /// <summary>Console logging with one JSON object per line (<see cref="SawmillJsonConsoleFormatter"/>).</summary>
    public static ILoggingBuilder AddSawmillJsonConsole(this ILoggingBuilder builder,
        Action<SawmillJsonFormatterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddConsole(o => o.FormatterName = SawmillJsonConsoleFormatter.FormatterName);
        builder.AddConsoleFormatter<SawmillJsonConsoleFormatter, SawmillJsonFormatterOptions>();
        if (configure != null)
            builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>The push provider (<see cref="SawmillPushLoggerProvider"/>), configured by <paramref name="configure"/>.</summary>
    public static ILoggingBuilder AddSawmillPush(this ILoggingBuilder builder, Action<SawmillPushOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<SawmillPushOptions>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, SawmillPushLoggerProvider>());
        if (configure != null)
            builder.Services.Configure(configure);
        return builder;
    }
}
