using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Sawmill.Logging;

/// <summary>
/// Logging calls with a fixed message and named fields, as the course's Python code does with
/// <c>logger.info("Prediction successful", extra={…})</c>:
/// <c>logger.Info("Prediction successful", new() { ["confidence"] = 0.87 })</c>. The caller's file, member and
/// line are captured at compile time (no stack walk) and written when <c>IncludeSource</c> is on.
/// Ordinary message templates (<c>LogInformation("… {Name}", v)</c>) work too; their named values become fields.
/// </summary>
public static class SawmillLoggerExtensions
{
    public static void Event(this ILogger logger, LogLevel level, string message, LogFields? fields = null,
        Exception? exception = null, [CallerMemberName] string member = "", [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (!logger.IsEnabled(level))
            return;
        fields ??= new LogFields(0);
        fields.Message = message;
        fields.SourceMember = member;
        fields.SourceFile = file;
        fields.SourceLine = line;
        logger.Log(level, default, fields, exception, LogFields.Formatter);
    }

    public static void Debug(this ILogger logger, string message, LogFields? fields = null,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => logger.Event(LogLevel.Debug, message, fields, null, member, file, line);

    public static void Info(this ILogger logger, string message, LogFields? fields = null,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => logger.Event(LogLevel.Information, message, fields, null, member, file, line);

    public static void Warning(this ILogger logger, string message, LogFields? fields = null,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => logger.Event(LogLevel.Warning, message, fields, null, member, file, line);

    public static void Error(this ILogger logger, string message, LogFields? fields = null, Exception? exception = null,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => logger.Event(LogLevel.Error, message, fields, exception, member, file, line);

    public static void Critical(this ILogger logger, string message, LogFields? fields = null, Exception? exception = null,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => logger.Event(LogLevel.Critical, message, fields, exception, member, file, line);
}
