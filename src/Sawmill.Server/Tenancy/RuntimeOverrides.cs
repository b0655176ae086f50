using Microsoft.Extensions.Logging;
using Sawmill.Server.Config;
using Sawmill.Server.Distribution;
using Sawmill.Server.Telemetry;

namespace Sawmill.Server.Tenancy;

/// <summary>
/// Keeps <see cref="TenantLimits"/> in step with the runtime overrides file (<c>runtime_config.file</c>), re-reading it
/// every <c>runtime_config.period</c>. At start-up a bad file stops the server (<see cref="ConfigException"/>); later a
/// bad edit is logged and the last good overrides stay in force, as Loki does. Changes apply to the next request.
/// </summary>
public sealed class RuntimeOverrides : IDisposable
{
    private readonly string _path;
    private readonly LimitsConfig _defaults;
    private readonly TenantLimits _target;
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private readonly object _lock = new();
    private string? _lastText;

    private RuntimeOverrides(string path, TimeSpan period, LimitsConfig defaults, TenantLimits target, ILogger logger)
    {
        _path = path;
        _defaults = defaults;
        _target = target;
        _logger = logger;
        var every = period > TimeSpan.Zero ? period : TimeSpan.FromSeconds(10);
        _timer = new Timer(_ => Reload(startup: false), null, every, every);
    }

    /// <summary>Loads the file once (throwing on errors) and starts watching it.</summary>
    public static RuntimeOverrides Start(string path, TimeSpan period, LimitsConfig defaults, TenantLimits target, ILogger logger)
    {
        var watcher = new RuntimeOverrides(path, period, defaults, target, logger);
        try
        {
            watcher.Reload(startup: true);
        }
        catch
        {
            watcher.Dispose();
            throw;
        }
        return watcher;
    }

    /// <summary>Re-reads the file when its text changed. Returns true when new overrides were applied.</summary>
    public bool Reload(bool startup)
    {
        lock (_lock)
        {
            try
            {
                string text;
                try
                {
                    text = File.ReadAllText(_path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ConfigException($"cannot read runtime config file {_path}: {e.Message}");
                }
                if (text == _lastText)
                    return false;
                var warnings = new List<string>();
                var overrides = ConfigLoader.LoadOverrides(text, _defaults, _path, warnings);
                foreach (var w in warnings)
                    _logger.LogWarning("{Warning}", w);
                _target.SetOverrides(overrides);
                _lastText = text;
                ServerMetrics.RuntimeConfigReloadSuccessful.Set(1);
                _logger.LogInformation("runtime config loaded file={File} tenants={Tenants}", _path, overrides.Count);
                return true;
            }
            catch (ConfigException e) when (!startup)
            {
                ServerMetrics.RuntimeConfigReloadSuccessful.Set(0);
                _logger.LogError("runtime config reload failed; keeping the previous overrides err={Err}", e.Message);
                return false;
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
