using System.Globalization;
using System.Text;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.Server.Config;

/// <summary>Prints the effective configuration as Loki-style YAML (for <c>/config</c> and <c>-print-config-stderr</c>).</summary>
public static class ConfigPrinter
{
    public static string ToYaml(SawmillConfig c)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"target: {c.Target}");
        sb.AppendLine($"auth_enabled: {B(c.AuthEnabled)}");
        sb.AppendLine("server:");
        sb.AppendLine($"  http_listen_address: {c.HttpListenAddress}");
        sb.AppendLine($"  http_listen_port: {c.HttpListenPort}");
        sb.AppendLine($"  log_level: {c.LogLevel}");
        sb.AppendLine($"  log_format: {c.LogFormat}");
        sb.AppendLine("distributor:");
        sb.AppendLine($"  max_recv_msg_size: {c.MaxRecvMsgSize}");
        sb.AppendLine("common:");
        sb.AppendLine($"  path_prefix: {c.PathPrefix}");
        var x = c.Cluster;
        sb.AppendLine($"  replication_factor: {x.ReplicationFactor}");
        sb.AppendLine($"  instance_addr: {Q(x.InstanceAddr)}");
        sb.AppendLine("  ring:");
        sb.AppendLine($"    instance_id: {Q(x.InstanceId)}");
        sb.AppendLine($"    heartbeat_period: {D(x.HeartbeatPeriod)}");
        sb.AppendLine($"    heartbeat_timeout: {D(x.HeartbeatTimeout)}");
        sb.AppendLine("    kvstore:");
        sb.AppendLine($"      store: {x.KvStore}");
        sb.AppendLine($"      prefix: {x.KvPrefix}");
        sb.AppendLine("      etcd:");
        sb.AppendLine($"        endpoints: [{string.Join(", ", x.EtcdEndpoints)}]");
        sb.AppendLine($"        dial_timeout: {D(x.EtcdDialTimeout)}");
        sb.AppendLine("  storage:");
        if (x.S3 is { } s3)
        {
            // Secrets are never printed, as in Loki's /config.
            sb.AppendLine("    s3:");
            sb.AppendLine($"      endpoint: {Q(s3.Endpoint)}");
            sb.AppendLine($"      region: {Q(s3.Region)}");
            sb.AppendLine($"      bucketnames: {s3.BucketName}");
            sb.AppendLine($"      access_key_id: {Q(s3.AccessKeyId)}");
            sb.AppendLine($"      secret_access_key: {(s3.SecretAccessKey.Length > 0 ? "<secret>" : "\"\"")}");
            sb.AppendLine($"      insecure: {B(s3.Insecure)}");
            sb.AppendLine($"      s3forcepathstyle: {B(s3.ForcePathStyle)}");
            sb.AppendLine($"      use_chunk_encoding: {B(s3.UseChunkEncoding)}");
        }
        sb.AppendLine("    filesystem:");
        sb.AppendLine($"      chunks_directory: {Q(x.FilesystemDirectory)}");
        sb.AppendLine("ingester:");
        sb.AppendLine($"  chunk_idle_period: {D(c.ChunkIdlePeriod)}");
        sb.AppendLine($"  chunk_block_size: {c.ChunkBlockSize}");
        sb.AppendLine($"  chunk_target_size: {c.ChunkTargetSize}");
        sb.AppendLine($"  max_chunk_age: {D(c.MaxChunkAge)}");
        sb.AppendLine($"  chunk_encoding: {c.ChunkEncoding}");
        sb.AppendLine($"  flush_check_period: {D(c.FlushCheckPeriod)}");
        sb.AppendLine($"  chunk_retain_period: {D(x.ChunkRetainPeriod)}");
        sb.AppendLine("  wal:");
        sb.AppendLine($"    enabled: {B(c.WalEnabled)}");
        sb.AppendLine($"    sync: {c.WalSync}");
        sb.AppendLine("querier:");
        sb.AppendLine($"  multi_tenant_queries_enabled: {B(c.MultiTenantQueriesEnabled)}");
        sb.AppendLine($"  query_ingesters_within: {D(x.QueryIngestersWithin)}");
        sb.AppendLine("storage_config:");
        sb.AppendLine("  tsdb_shipper:");
        sb.AppendLine($"    resync_interval: {D(x.ResyncInterval)}");
        sb.AppendLine($"    cache_location: {Q(x.CacheLocation)}");
        sb.AppendLine($"  cache_max_size: {x.CacheMaxBytes}");
        sb.AppendLine("compactor:");
        sb.AppendLine($"  retention_enabled: {B(c.RetentionEnabled)}");
        sb.AppendLine($"  compaction_interval: {D(c.CompactionInterval)}");
        sb.AppendLine($"  delete_request_cancel_period: {D(c.DeleteRequestCancelPeriod)}");
        sb.AppendLine($"  recompress_after: {D(c.RecompressAfter)}");
        sb.AppendLine($"  recompress_level: {c.RecompressLevel}");
        sb.AppendLine($"  retention_delete_delay: {D(x.RetentionDeleteDelay)}");
        sb.AppendLine("runtime_config:");
        sb.AppendLine($"  file: {c.RuntimeConfigFile ?? "\"\""}");
        sb.AppendLine($"  period: {D(c.RuntimeConfigPeriod)}");
        sb.AppendLine("limits_config:");
        AppendLimits(sb, c.Limits, "  ");
        sb.AppendLine($"  split_queries_by_interval: {D(x.SplitQueriesByInterval)}");
        return sb.ToString();
    }

    public static void AppendLimits(StringBuilder sb, LimitsConfig l, string indent)
    {
        sb.AppendLine($"{indent}ingestion_rate_mb: {F(l.IngestionRateMb)}");
        sb.AppendLine($"{indent}ingestion_burst_size_mb: {F(l.IngestionBurstSizeMb)}");
        sb.AppendLine($"{indent}max_line_size: {l.MaxLineSize}");
        sb.AppendLine($"{indent}max_line_size_truncate: {B(l.MaxLineSizeTruncate)}");
        sb.AppendLine($"{indent}max_label_names_per_series: {l.MaxLabelNamesPerSeries}");
        sb.AppendLine($"{indent}max_label_name_length: {l.MaxLabelNameLength}");
        sb.AppendLine($"{indent}max_label_value_length: {l.MaxLabelValueLength}");
        sb.AppendLine($"{indent}reject_old_samples: {B(l.RejectOldSamples)}");
        sb.AppendLine($"{indent}reject_old_samples_max_age: {D(l.RejectOldSamplesMaxAge)}");
        sb.AppendLine($"{indent}creation_grace_period: {D(l.CreationGracePeriod)}");
        sb.AppendLine($"{indent}max_global_streams_per_user: {l.MaxGlobalStreamsPerUser}");
        sb.AppendLine($"{indent}per_stream_rate_limit: {F(l.PerStreamRateLimitMb)}MB");
        sb.AppendLine($"{indent}per_stream_rate_limit_burst: {F(l.PerStreamRateLimitBurstMb)}MB");
        sb.AppendLine($"{indent}unordered_writes: {B(l.UnorderedWrites)}");
        sb.AppendLine($"{indent}max_entries_limit_per_query: {l.MaxEntriesLimitPerQuery}");
        sb.AppendLine($"{indent}max_query_length: {D(l.MaxQueryLength)}");
        sb.AppendLine($"{indent}max_query_lookback: {D(l.MaxQueryLookback)}");
        sb.AppendLine($"{indent}max_query_series: {l.MaxQuerySeries}");
        sb.AppendLine($"{indent}max_query_parallelism: {l.MaxQueryParallelism}");
        sb.AppendLine($"{indent}query_timeout: {D(l.QueryTimeout)}");
        sb.AppendLine($"{indent}max_streams_matchers_per_query: {l.MaxStreamsMatchersPerQuery}");
        sb.AppendLine($"{indent}retention_period: {D(l.RetentionPeriod)}");
    }

    private static string B(bool b) => b ? "true" : "false";

    private static string Q(string s) => s.Length == 0 ? "\"\"" : s;

    private static string D(TimeSpan t) => GoDuration.Format(t.Ticks * 100);

    private static string F(double d) => d.ToString("0.###", CultureInfo.InvariantCulture);
}
