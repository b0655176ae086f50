using System.Globalization;
using System.Text.RegularExpressions;
using Sawmill.Core;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using Sawmill.GoCompat;

namespace Sawmill.Server.Config;

/// <summary>
/// Reads Loki's YAML configuration format into <see cref="SawmillConfig"/>. Known keys are typed and validated
/// (a bad value is a <see cref="ConfigException"/> naming key, value and what is allowed); Loki keys that Sawmill
/// does not need (storage schemas, rings, table manager…) and unknown keys are accepted with one warning each.
/// </summary>
public static partial class ConfigLoader
{
    private delegate SawmillConfig Binder(SawmillConfig config, string key, object value);

    private static readonly Dictionary<string, Binder> Known = new(StringComparer.Ordinal)
    {
        ["auth_enabled"] = (c, k, v) => c with { AuthEnabled = Bool(k, v) },
        ["target"] = (c, k, v) => c with { Target = Str(k, v) },
        ["server.http_listen_address"] = (c, k, v) => c with { HttpListenAddress = Str(k, v) },
        ["server.http_listen_port"] = (c, k, v) => c with { HttpListenPort = Port(k, v) },
        ["server.log_level"] = (c, k, v) => c with { LogLevel = OneOf(k, v, "debug", "info", "warn", "error") },
        ["server.log_format"] = (c, k, v) => c with { LogFormat = OneOf(k, v, "logfmt", "json") },
        ["server.grpc_server_max_recv_msg_size"] = (c, k, v) => c with { MaxRecvMsgSize = Long(k, v) },
        ["distributor.max_recv_msg_size"] = (c, k, v) => c with { MaxRecvMsgSize = Long(k, v) },
        ["common.path_prefix"] = (c, k, v) => c with { PathPrefix = Str(k, v) },
        ["ingester.chunk_idle_period"] = (c, k, v) => c with { ChunkIdlePeriod = Duration(k, v) },
        ["ingester.chunk_block_size"] = (c, k, v) => c with { ChunkBlockSize = Int(k, v) },
        ["ingester.chunk_target_size"] = (c, k, v) => c with { ChunkTargetSize = Int(k, v) },
        ["ingester.max_chunk_age"] = (c, k, v) => c with { MaxChunkAge = Duration(k, v) },
        ["ingester.chunk_encoding"] = (c, k, v) => c with { ChunkEncoding = OneOf(k, v, "zstd", "snappy", "lz4", "none", "gzip", "flate", "lz4-64k", "lz4-256k", "lz4-1M", "lz4-4M") },
        ["ingester.flush_check_period"] = (c, k, v) => c with { FlushCheckPeriod = Duration(k, v) },
        ["ingester.wal.enabled"] = (c, k, v) => c with { WalEnabled = Bool(k, v) },
        ["ingester.wal.sync"] = (c, k, v) => c with { WalSync = OneOf(k, v, "batch", "os") },
        ["querier.multi_tenant_queries_enabled"] = (c, k, v) => c with { MultiTenantQueriesEnabled = Bool(k, v) },
        ["querier.query_timeout"] = (c, k, v) => c with { Limits = c.Limits with { QueryTimeout = Duration(k, v) } },
        ["compactor.retention_enabled"] = (c, k, v) => c with { RetentionEnabled = Bool(k, v) },
        ["compactor.compaction_interval"] = (c, k, v) => c with { CompactionInterval = Duration(k, v) },
        ["compactor.delete_request_cancel_period"] = (c, k, v) => c with { DeleteRequestCancelPeriod = Duration(k, v) },
        ["compactor.recompress_after"] = (c, k, v) => c with { RecompressAfter = Duration(k, v) },
        ["compactor.recompress_level"] = (c, k, v) => c with { RecompressLevel = ZstdLevel(k, v) },
        ["runtime_config.file"] = (c, k, v) => c with { RuntimeConfigFile = Str(k, v) },
        ["runtime_config.period"] = (c, k, v) => c with { RuntimeConfigPeriod = Duration(k, v) },
        ["limits_config.ingestion_rate_mb"] = (c, k, v) => c with { Limits = c.Limits with { IngestionRateMb = NonNegative(k, v) } },
        ["limits_config.ingestion_burst_size_mb"] = (c, k, v) => c with { Limits = c.Limits with { IngestionBurstSizeMb = NonNegative(k, v) } },
        ["limits_config.max_line_size"] = (c, k, v) => c with { Limits = c.Limits with { MaxLineSize = Bytes(k, v) } },
        ["limits_config.max_line_size_truncate"] = (c, k, v) => c with { Limits = c.Limits with { MaxLineSizeTruncate = Bool(k, v) } },
        ["limits_config.max_label_names_per_series"] = (c, k, v) => c with { Limits = c.Limits with { MaxLabelNamesPerSeries = Int(k, v) } },
        ["limits_config.max_label_name_length"] = (c, k, v) => c with { Limits = c.Limits with { MaxLabelNameLength = Int(k, v) } },
        ["limits_config.max_label_value_length"] = (c, k, v) => c with { Limits = c.Limits with { MaxLabelValueLength = Int(k, v) } },
        ["limits_config.reject_old_samples"] = (c, k, v) => c with { Limits = c.Limits with { RejectOldSamples = Bool(k, v) } },
        ["limits_config.reject_old_samples_max_age"] = (c, k, v) => c with { Limits = c.Limits with { RejectOldSamplesMaxAge = Duration(k, v) } },
        ["limits_config.creation_grace_period"] = (c, k, v) => c with { Limits = c.Limits with { CreationGracePeriod = Duration(k, v) } },
        ["limits_config.max_global_streams_per_user"] = (c, k, v) => c with { Limits = c.Limits with { MaxGlobalStreamsPerUser = Int(k, v) } },
        ["limits_config.per_stream_rate_limit"] = (c, k, v) => c with { Limits = c.Limits with { PerStreamRateLimitMb = Bytes(k, v) / 1e6 } },
        ["limits_config.per_stream_rate_limit_burst"] = (c, k, v) => c with { Limits = c.Limits with { PerStreamRateLimitBurstMb = Bytes(k, v) / 1e6 } },
        ["limits_config.unordered_writes"] = (c, k, v) => c with { Limits = c.Limits with { UnorderedWrites = Bool(k, v) } },
        ["limits_config.max_entries_limit_per_query"] = (c, k, v) => c with { Limits = c.Limits with { MaxEntriesLimitPerQuery = Int(k, v) } },
        ["limits_config.max_query_length"] = (c, k, v) => c with { Limits = c.Limits with { MaxQueryLength = Duration(k, v) } },
        ["limits_config.max_query_lookback"] = (c, k, v) => c with { Limits = c.Limits with { MaxQueryLookback = Duration(k, v) } },
        ["limits_config.max_query_series"] = (c, k, v) => c with { Limits = c.Limits with { MaxQuerySeries = Int(k, v) } },
        ["limits_config.max_query_parallelism"] = (c, k, v) => c with { Limits = c.Limits with { MaxQueryParallelism = Int(k, v) } },
        ["limits_config.allow_structured_metadata"] = (c, k, v) => c with { Limits = c.Limits with { AllowStructuredMetadata = Bool(k, v) } },
        ["limits_config.discover_service_name"] = (c, k, v) => c with { Limits = c.Limits with { DiscoverServiceName = StringList(k, v) } },
        ["limits_config.discover_log_levels"] = (c, k, v) => c with { Limits = c.Limits with { DiscoverLogLevels = Bool(k, v) } },
        ["limits_config.log_level_fields"] = (c, k, v) => c with { Limits = c.Limits with { LogLevelFields = StringList(k, v) } },
        ["limits_config.log_level_from_json_max_depth"] = (c, k, v) => c with { Limits = c.Limits with { LogLevelFromJsonMaxDepth = Int(k, v) } },
        // One key, two readers: the per-tenant limit (metric range queries aligned to their step, as Loki's splitting
        // frontend does) and a read node's frontend splitting interval.
        ["limits_config.split_queries_by_interval"] = (c, k, v) => Cluster(c with { Limits = c.Limits with { SplitQueriesByInterval = Duration(k, v) } }, x => x with { SplitQueriesByInterval = Duration(k, v) }),
        ["limits_config.query_timeout"] = (c, k, v) => c with { Limits = c.Limits with { QueryTimeout = Duration(k, v) } },
        ["limits_config.max_streams_matchers_per_query"] = (c, k, v) => c with { Limits = c.Limits with { MaxStreamsMatchersPerQuery = Int(k, v) } },
        ["limits_config.retention_period"] = (c, k, v) => c with { Limits = c.Limits with { RetentionPeriod = Duration(k, v) } },
        ["limits_config.retention_stream"] = (c, k, v) => c with { Limits = c.Limits with { RetentionStreams = RetentionStreams(k, v) } },
        ["common.instance_addr"] = (c, k, v) => Cluster(c, x => x with { InstanceAddr = Str(k, v) }),
        ["common.ring.instance_addr"] = (c, k, v) => Cluster(c, x => x with { InstanceAddr = Str(k, v) }),
        ["ingester.lifecycler.address"] = (c, k, v) => Cluster(c, x => x with { InstanceAddr = Str(k, v) }),
        ["common.ring.instance_id"] = (c, k, v) => Cluster(c, x => x with { InstanceId = Str(k, v) }),
        ["ingester.lifecycler.id"] = (c, k, v) => Cluster(c, x => x with { InstanceId = Str(k, v) }),
        ["common.replication_factor"] = (c, k, v) => Cluster(c, x => x with { ReplicationFactor = Positive(k, v) }),
        ["ingester.lifecycler.ring.replication_factor"] = (c, k, v) => Cluster(c, x => x with { ReplicationFactor = Positive(k, v) }),
        ["ingester.lifecycler.num_tokens"] = (c, k, v) => Cluster(c, x => x with { NumTokens = Positive(k, v) }),
        ["common.ring.heartbeat_period"] = (c, k, v) => Cluster(c, x => x with { HeartbeatPeriod = Duration(k, v) }),
        ["ingester.lifecycler.heartbeat_period"] = (c, k, v) => Cluster(c, x => x with { HeartbeatPeriod = Duration(k, v) }),
        ["common.ring.heartbeat_timeout"] = (c, k, v) => Cluster(c, x => x with { HeartbeatTimeout = Duration(k, v) }),
        ["ingester.lifecycler.ring.heartbeat_timeout"] = (c, k, v) => Cluster(c, x => x with { HeartbeatTimeout = Duration(k, v) }),
        ["querier.query_ingesters_within"] = (c, k, v) => Cluster(c, x => x with { QueryIngestersWithin = Duration(k, v) }),
        ["ingester.chunk_retain_period"] = (c, k, v) => Cluster(c, x => x with { ChunkRetainPeriod = Duration(k, v) }),
        ["storage_config.tsdb_shipper.resync_interval"] = (c, k, v) => Cluster(c, x => x with { ResyncInterval = PositiveDuration(k, v) }),
        ["storage_config.boltdb_shipper.resync_interval"] = (c, k, v) => Cluster(c, x => x with { ResyncInterval = PositiveDuration(k, v) }),
        ["storage_config.tsdb_shipper.cache_location"] = (c, k, v) => Cluster(c, x => x with { CacheLocation = Str(k, v) }),
        ["storage_config.boltdb_shipper.cache_location"] = (c, k, v) => Cluster(c, x => x with { CacheLocation = Str(k, v) }),
        ["storage_config.cache_max_size"] = (c, k, v) => Cluster(c, x => x with { CacheMaxBytes = Bytes(k, v) }),
        ["storage_config.filesystem.directory"] = (c, k, v) => Cluster(c, x => x with { FilesystemDirectory = Str(k, v) }),
        ["common.storage.filesystem.chunks_directory"] = (c, k, v) => Cluster(c, x => x with { FilesystemDirectory = Str(k, v) }),
        ["compactor.retention_delete_delay"] = (c, k, v) => Cluster(c, x => x with { RetentionDeleteDelay = Duration(k, v) }),
    };

    /// <summary>The ring key-value store settings, under each of Loki's ring sections (one store serves all rings).</summary>
    private static readonly string[] RingSections = ["common.ring", "ingester.lifecycler.ring", "distributor.ring", "compactor.compactor_ring", "query_scheduler.scheduler_ring", "index_gateway.ring"];

    /// <summary>The S3 settings, under Loki's two spellings.</summary>
    private static readonly string[] S3Sections = ["common.storage.s3", "storage_config.aws"];

    static ConfigLoader()
    {
        foreach (var section in RingSections)
        {
            Known[section + ".kvstore.store"] = (c, k, v) => Cluster(c, x => x with { KvStore = KvStoreName(k, v) });
            Known[section + ".kvstore.prefix"] = (c, k, v) => Cluster(c, x => x with { KvPrefix = Str(k, v) });
            Known[section + ".kvstore.etcd.endpoints"] = (c, k, v) => Cluster(c, x => x with { EtcdEndpoints = StrList(k, v) });
            Known[section + ".kvstore.etcd.dial_timeout"] = (c, k, v) => Cluster(c, x => x with { EtcdDialTimeout = PositiveDuration(k, v) });
            Known[section + ".kvstore.etcd.username"] = (c, k, v) => Cluster(c, x => x with { EtcdUsername = Str(k, v) });
            Known[section + ".kvstore.etcd.password"] = (c, k, v) => Cluster(c, x => x with { EtcdPassword = Str(k, v) });
            Legacy[section + ".kvstore.etcd.max_retries"] = "calls fail fast and are retried on the next heartbeat";
            Legacy[section + ".kvstore.etcd.tls_enabled"] = "Sawmill talks plain HTTP/2 to etcd";
            Legacy[section + ".kvstore.consul"] = "Sawmill's rings live in etcd or in memory";
            Legacy[section + ".kvstore.multi"] = "Sawmill's rings live in etcd or in memory";
        }
        foreach (var section in S3Sections)
        {
            Known[section + ".endpoint"] = (c, k, v) => S3(c, x => x with { Endpoint = Str(k, v) });
            Known[section + ".region"] = (c, k, v) => S3(c, x => x with { Region = Str(k, v) });
            Known[section + ".bucketnames"] = (c, k, v) => S3(c, x => x with { BucketName = BucketName(k, v) });
            Known[section + ".access_key_id"] = (c, k, v) => S3(c, x => x with { AccessKeyId = Str(k, v) });
            Known[section + ".secret_access_key"] = (c, k, v) => S3(c, x => x with { SecretAccessKey = Str(k, v) });
            Known[section + ".session_token"] = (c, k, v) => S3(c, x => x with { SessionToken = Str(k, v) });
            Known[section + ".insecure"] = (c, k, v) => S3(c, x => x with { Insecure = Bool(k, v) });
            Known[section + ".s3forcepathstyle"] = (c, k, v) => S3(c, x => x with { ForcePathStyle = Bool(k, v) });
            Known[section + ".use_chunk_encoding"] = (c, k, v) => S3(c, x => x with { UseChunkEncoding = Bool(k, v) });
            Known[section + ".s3"] = (c, k, v) => S3(c, x => S3Url(k, v, x));
            Legacy[section + ".http_config"] = "the SDK's HTTP defaults are used";
            Legacy[section + ".signature_version"] = "requests are signed with signature v4";
            Legacy[section + ".storage_class"] = "objects use the bucket's default storage class";
            Legacy[section + ".sse"] = "server-side encryption follows the bucket's default";
            Legacy[section + ".backoff_config"] = "the SDK retries with its standard backoff";
            Legacy[section + ".dynamodb"] = "the index lives in the blocks";
        }
    }

    private static SawmillConfig Cluster(SawmillConfig c, Func<ClusterConfig, ClusterConfig> change) => c with { Cluster = change(c.Cluster) };

    private static SawmillConfig S3(SawmillConfig c, Func<Storage.Bucket.S3Options, Storage.Bucket.S3Options> change) =>
        Cluster(c, x => x with { S3 = change(x.S3 ?? new Storage.Bucket.S3Options()) });

    private static string KvStoreName(string key, object value)
    {
        var s = Scalar(key, value);
        return s switch
        {
            "etcd" or "inmemory" => s,
            "consul" or "memberlist" or "multi" => throw new ConfigException($"config key {key}: \"{s}\" is not supported; Sawmill's rings live in etcd (or inmemory for a single process)"),
            _ => throw new ConfigException($"config key {key}: \"{s}\" is not allowed; use one of etcd, inmemory"),
        };
    }

    private static string BucketName(string key, object value)
    {
        var names = Scalar(key, value).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return names.Length switch
        {
            1 => names[0],
            0 => throw new ConfigException($"config key {key}: a bucket name is required"),
            _ => throw new ConfigException($"config key {key}: \"{Scalar(key, value)}\" names {names.Length} buckets; Sawmill keeps every block in one bucket"),
        };
    }

    /// <summary>Loki's <c>s3</c> URL: <c>s3://key:secret@region/bucket</c> (AWS) or <c>http(s)://key:secret@host:port/bucket</c>.</summary>
    private static Storage.Bucket.S3Options S3Url(string key, object value, Storage.Bucket.S3Options o)
    {
        var s = Scalar(key, value);
        if (!Uri.TryCreate(s, UriKind.Absolute, out var uri) || uri.Scheme is not ("s3" or "http" or "https") || uri.AbsolutePath.Trim('/').Length == 0)
            throw new ConfigException($"config key {key}: \"{s}\" is not an S3 URL; use s3://key:secret@region/bucket or http://key:secret@host:port/bucket");
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            o = o with { AccessKeyId = Uri.UnescapeDataString(parts[0]), SecretAccessKey = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "" };
        }
        o = o with { BucketName = uri.AbsolutePath.Trim('/') };
        return uri.Scheme == "s3"
            ? o with { Region = uri.Host }
            : o with { Endpoint = uri.Authority.Contains('@') ? uri.Authority[(uri.Authority.IndexOf('@') + 1)..] : uri.Authority, Insecure = uri.Scheme == "http", ForcePathStyle = true };
    }

    internal static IReadOnlyList<string> StrList(string key, object value) => value switch
    {
        List<object> list => list.Select((x, i) => Scalar($"{key}[{i}]", x)).ToList(),
        _ => Scalar(key, value).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
    };

    internal static int Positive(string key, object value)
    {
        var n = Int(key, value);
        return n > 0 ? n : throw new ConfigException($"config key {key}: \"{Scalar(key, value)}\" must be at least 1");
    }

    internal static TimeSpan PositiveDuration(string key, object value)
    {
        var d = Duration(key, value);
        return d > TimeSpan.Zero ? d : throw new ConfigException($"config key {key}: \"{Scalar(key, value)}\" must be a duration above zero");
    }

    /// <summary>Loki keys that have no meaning in Sawmill's embedded design; accepted with a warning naming why.</summary>
    private static readonly Dictionary<string, string> Legacy = new(StringComparer.Ordinal)
    {
        ["schema_config"] = "Sawmill has one storage format and needs no schema config",
        ["chunk_store_config"] = "chunk store settings do not apply",
        ["table_manager"] = "the table manager is gone; use limits_config.retention_period",
        ["ingester.max_transfer_retries"] = "Sawmill does not hand over chunks between ingesters",
        ["limits_config.enforce_metric_name"] = "removed from Loki; it has no effect",
        ["query_range"] = "the query frontend is built in",
        ["frontend"] = "the query frontend is built in",
        ["frontend_worker"] = "the query frontend is built in",
        ["query_scheduler"] = "the query scheduler is built in",
        ["analytics"] = "Sawmill sends no usage reports",
        ["pattern_ingester"] = "patterns are mined on demand",
        ["compactor.working_directory"] = "the compactor works under common.path_prefix",
        ["compactor.delete_request_store"] = "delete requests are stored under common.path_prefix",
        ["compactor.retention_delete_worker_count"] = "the compactor rewrites blocks on one worker",
        ["ingester.wal.dir"] = "the WAL lives under common.path_prefix",
        ["ingester.wal.flush_on_shutdown"] = "the WAL is replayed on start",
        ["ingester.wal.replay_memory_ceiling"] = "replay is streamed",
        ["ingester.concurrent_flushes"] = "flushing is scheduled internally",
        ["memberlist"] = "Sawmill's rings live in etcd (or in memory for one process); set common.ring.kvstore.store: etcd",
        ["compactor.shared_store"] = "the compactor works on the configured object store",
        ["common.persist_tokens"] = "ring tokens derive from the instance id, so a restarted node gets its own back",
        ["common.instance_interface_names"] = "set common.instance_addr to choose the advertised address",
        ["common.ring.instance_interface_names"] = "set common.instance_addr to choose the advertised address",
        ["common.ring.instance_port"] = "nodes advertise their HTTP port",
        ["common.ring.zone_awareness_enabled"] = "zone-aware replication is not implemented",
        ["common.ring.instance_availability_zone"] = "zone-aware replication is not implemented",
        ["common.ring.tokens_file_path"] = "ring tokens derive from the instance id",
        ["common.compactor_address"] = "nodes find the compactor through the bucket and the ring",
        ["common.compactor_grpc_address"] = "nodes find the compactor through the bucket and the ring",
        ["common.storage.filesystem.rules_directory"] = "rule files live under ruler.rule_path",
        ["ingester.lifecycler.join_after"] = "an ingester joins as soon as its WAL is replayed",
        ["ingester.lifecycler.final_sleep"] = "an ingester leaves the ring as soon as it has flushed",
        ["ingester.lifecycler.observe_period"] = "tokens are not contested",
        ["ingester.lifecycler.min_ready_duration"] = "an ingester is ready once it is in the ring",
        ["ingester.lifecycler.ring.zone_awareness_enabled"] = "zone-aware replication is not implemented",
        ["ingester.lifecycler.tokens_file_path"] = "ring tokens derive from the instance id",
        ["ingester.lifecycler.interface_names"] = "set common.instance_addr to choose the advertised address",
        ["storage_config.boltdb_shipper.active_index_directory"] = "blocks carry their own index",
        ["storage_config.tsdb_shipper.active_index_directory"] = "blocks carry their own index",
        ["storage_config.boltdb_shipper.shared_store"] = "blocks go to the configured object store",
        ["storage_config.tsdb_shipper.shared_store"] = "blocks go to the configured object store",
        ["storage_config.boltdb_shipper.cache_ttl"] = "cached indexes are kept while their block lives",
        ["storage_config.tsdb_shipper.cache_ttl"] = "cached indexes are kept while their block lives",
        ["storage_config.index_queries_cache_config"] = "block indexes are held in memory",
        ["storage_config.gcs"] = "Sawmill supports the s3 and filesystem object stores",
        ["storage_config.azure"] = "Sawmill supports the s3 and filesystem object stores",
        ["storage_config.swift"] = "Sawmill supports the s3 and filesystem object stores",
        ["storage_config.bos"] = "Sawmill supports the s3 and filesystem object stores",
        ["storage_config.cos"] = "Sawmill supports the s3 and filesystem object stores",
        ["storage_config.alibabacloud"] = "Sawmill supports the s3 and filesystem object stores",
        ["storage_config.hedging"] = "requests are not hedged",
        ["common.storage.gcs"] = "Sawmill supports the s3 and filesystem object stores",
        ["common.storage.azure"] = "Sawmill supports the s3 and filesystem object stores",
        ["common.storage.swift"] = "Sawmill supports the s3 and filesystem object stores",
        ["common.storage.bos"] = "Sawmill supports the s3 and filesystem object stores",
        ["common.storage.cos"] = "Sawmill supports the s3 and filesystem object stores",
        ["common.storage.alibabacloud"] = "Sawmill supports the s3 and filesystem object stores",
        ["common.storage.hedging"] = "requests are not hedged",
        ["server.grpc_listen_port"] = "Sawmill serves HTTP only",
        ["server.grpc_listen_address"] = "Sawmill serves HTTP only",
    };

    /// <summary>Sections owned by other components; kept as raw trees in <see cref="SawmillConfig.Extra"/>.</summary>
    private static readonly HashSet<string> Passthrough = new(StringComparer.Ordinal) { "ruler", "ui", "tracing" };

    public static SawmillConfig LoadFile(string path, bool expandEnv, SawmillConfig? start = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read config file {path}: {e.Message}");
        }
        return Load(text, expandEnv, start, path);
    }

    public static SawmillConfig Load(string yaml, bool expandEnv, SawmillConfig? start = null, string source = "config")
    {
        if (expandEnv)
            yaml = ExpandEnv(yaml);
        var root = ParseYaml(yaml, source);
        var config = start ?? new SawmillConfig();
        var warnings = new List<string>(config.Warnings);
        var extra = new Dictionary<string, object?>(config.Extra);
        if (root == null)
            return config;
        if (root is not Dictionary<object, object> map)
            throw new ConfigException($"{source}: the top level must be a mapping of keys (auth_enabled, server, limits_config, …)");
        // Helm values wrap the Loki config as loki.config; accept the file as the course shows it too.
        if (map.Count == 1 && map.TryGetValue("loki", out var loki) && loki is Dictionary<object, object> lokiMap && lokiMap.TryGetValue("config", out var inner) && inner is Dictionary<object, object> innerMap)
        {
            warnings.Add("the file holds Helm values; reading the Loki configuration under loki.config");
            map = innerMap;
        }
        config = Walk(config, map, "", warnings, extra);
        // Loki's legacy retention keys, honoured as aliases.
        if (Find(map, "table_manager.retention_period") is { } tm && config.Limits.RetentionPeriod == TimeSpan.Zero)
        {
            config = config with { Limits = config.Limits with { RetentionPeriod = Duration("table_manager.retention_period", tm) } };
            warnings.Add("table_manager.retention_period is honoured as limits_config.retention_period; move it there");
        }
        if (Find(map, "chunk_store_config.max_look_back_period") is { } lb && config.Limits.MaxQueryLookback == TimeSpan.Zero)
        {
            config = config with { Limits = config.Limits with { MaxQueryLookback = Duration("chunk_store_config.max_look_back_period", lb) } };
            warnings.Add("chunk_store_config.max_look_back_period is honoured as limits_config.max_query_lookback; move it there");
        }
        if (config.Cluster.S3 is { BucketName.Length: 0 })
            throw new ConfigException("common.storage.s3: bucketnames is required (or an s3 URL naming the bucket)");
        if (config.Cluster.KvStore == "etcd" && config.Cluster.EtcdEndpoints.Count == 0)
            throw new ConfigException("common.ring.kvstore.etcd.endpoints is required with kvstore store: etcd");
        if (config.ChunkEncoding is "gzip" or "flate")
            warnings.Add($"ingester.chunk_encoding {config.ChunkEncoding}: chunks are compressed with zstd instead (smaller and faster to read back); set zstd, snappy, lz4 or none to choose");
        return config with { Warnings = warnings, Extra = extra };
    }

    /// <summary>The YAML document as nested dictionaries, lists and strings; any syntax error as a <see cref="ConfigException"/>.</summary>
    private static object? ParseYaml(string yaml, string source)
    {
        try
        {
            return new DeserializerBuilder().Build().Deserialize<object>(yaml);
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{source}: invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these instead of a YamlException on some malformed input (found by fuzzing): plain
            // scalars its scanner cannot finish, events its node loader does not expect.
            throw new ConfigException($"{source}: invalid YAML: {e.Message}");
        }
    }

    /// <summary>
    /// Reads Loki's runtime configuration file: <c>overrides: {tenant: {limits_config keys…}}</c>. Each tenant's limits
    /// start from <paramref name="defaults"/> and take only the keys it names. Unknown keys give warnings; a bad value
    /// is a <see cref="ConfigException"/> naming tenant, key and value.
    /// </summary>
    public static Dictionary<string, LimitsConfig> LoadOverrides(string yaml, LimitsConfig defaults, string source, List<string> warnings)
    {
        var root = ParseYaml(yaml, source);
        var result = new Dictionary<string, LimitsConfig>(StringComparer.Ordinal);
        if (root == null)
            return result;
        if (root is not Dictionary<object, object> map)
            throw new ConfigException($"{source}: the top level must be a mapping with an overrides: section");
        foreach (var (k, v) in map)
        {
            var key = Convert.ToString(k, CultureInfo.InvariantCulture) ?? "";
            if (key != "overrides")
            {
                warnings.Add($"{source}: runtime config key {key} is not used by Sawmill; ignored");
                continue;
            }
            if (v == null)
                continue;
            if (v is not Dictionary<object, object> tenants)
                throw new ConfigException($"{source}: overrides must map tenant ids to limits");
            foreach (var (tk, tv) in tenants)
            {
                var tenant = Convert.ToString(tk, CultureInfo.InvariantCulture) ?? "";
                if (Tenant.Validate(tenant) is { } problem)
                    throw new ConfigException($"{source}: overrides.{tenant}: {problem}");
                var config = new SawmillConfig { Limits = defaults };
                if (tv is Dictionary<object, object> limits)
                {
                    foreach (var (lk, lv) in limits)
                    {
                        var name = Convert.ToString(lk, CultureInfo.InvariantCulture);
                        if (lv == null)
                            continue;
                        if (Known.TryGetValue("limits_config." + name, out var bind))
                            config = bind(config, $"overrides.{tenant}.{name}", lv);
                        else
                            warnings.Add($"{source}: unknown limit overrides.{tenant}.{name}; ignored");
                    }
                }
                else if (tv != null)
                {
                    throw new ConfigException($"{source}: overrides.{tenant} must be a mapping of limits_config keys");
                }
                result[tenant] = config.Limits;
            }
        }
        return result;
    }

    private static object? Find(Dictionary<object, object> map, string path)
    {
        object? node = map;
        foreach (var part in path.Split('.'))
        {
            if (node is not Dictionary<object, object> m || !m.TryGetValue(part, out node))
                return null;
        }
        return node;
    }

    private static SawmillConfig Walk(SawmillConfig config, Dictionary<object, object> map, string prefix, List<string> warnings, Dictionary<string, object?> extra)
    {
        foreach (var (k, v) in map)
        {
            var key = prefix + Convert.ToString(k, CultureInfo.InvariantCulture);
            if (Known.TryGetValue(key, out var bind))
            {
                if (v == null)
                    continue;
                var bound = bind(config, key, v);
                // Keys of the scalable deployment are remembered: with -target=all they are reported as unused (not a
                // key that also sets a per-tenant limit, such as split_queries_by_interval).
                if (!ReferenceEquals(bound.Cluster, config.Cluster) && ReferenceEquals(bound.Limits, config.Limits))
                    bound = bound with { ClusterKeys = [.. bound.ClusterKeys, key] };
                config = bound;
                continue;
            }
            if (prefix.Length == 0 && Passthrough.Contains(key))
            {
                extra[key] = v;
                continue;
            }
            if (Legacy.TryGetValue(key, out var why))
            {
                warnings.Add($"config key {key} is not used by Sawmill ({why}); ignored");
                continue;
            }
            if (v is Dictionary<object, object> child && HasKnownUnder(key + "."))
            {
                config = Walk(config, child, key + ".", warnings, extra);
                continue;
            }
            warnings.Add($"unknown config key {key}; ignored");
        }
        return config;
    }

    private static bool HasKnownUnder(string prefix)
    {
        foreach (var k in Known.Keys)
            if (k.StartsWith(prefix, StringComparison.Ordinal))
                return true;
        foreach (var k in Legacy.Keys)
            if (k.StartsWith(prefix, StringComparison.Ordinal))
                return true;
        return false;
    }

    /// <summary>
    /// Warnings for keys of the scalable deployment set in a config used with <c>-target=all</c>: one process keeps
    /// everything under <c>common.path_prefix</c> and needs no ring or bucket. One warning per section.
    /// </summary>
    public static IEnumerable<string> SingleProcessWarnings(SawmillConfig config)
    {
        if (config.Target != "all")
            yield break;
        var sections = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var key in config.ClusterKeys)
        {
            var parts = key.Split('.');
            sections.Add(parts[0] is "common" or "ingester" or "compactor" or "querier" or "limits_config" && parts.Length > 1 ? parts[0] + "." + parts[1] : parts[0]);
        }
        foreach (var section in sections)
            yield return $"config key {section} is not used by Sawmill with -target=all (one process keeps its data under common.path_prefix; the write, read and backend targets use it)";
    }

    /// <summary>Expands <c>${VAR}</c> and <c>${VAR:-default}</c> as Loki's <c>-config.expand-env</c> does.</summary>
    public static string ExpandEnv(string text) =>
        EnvRegex().Replace(text, m =>
        {
            var name = m.Groups[1].Value;
            var value = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrEmpty(value))
                return value;
            return m.Groups[2].Success ? m.Groups[3].Value : "";
        });

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}")]
    private static partial Regex EnvRegex();

    internal static List<RetentionStreamRule> RetentionStreams(string key, object value)
    {
        if (value is not List<object> list)
            throw new ConfigException($"config key {key}: expected a list of {{selector, priority, period}}");
        var rules = new List<RetentionStreamRule>();
        for (var i = 0; i < list.Count; i++)
        {
            var at = $"{key}[{i}]";
            if (list[i] is not Dictionary<object, object> m)
                throw new ConfigException($"config key {at}: expected a mapping with selector, priority and period");
            var selector = m.TryGetValue("selector", out var sel) ? Str(at + ".selector", sel) : throw new ConfigException($"config key {at}: selector is required");
            try
            {
                Sawmill.LogQL.Engine.LogSelector.Parse(selector);
            }
            catch (Sawmill.LogQL.Syntax.ParseException e)
            {
                throw new ConfigException($"config key {at}.selector: \"{selector}\" is not a stream selector: {e.Message}");
            }
            var priority = m.TryGetValue("priority", out var pr) ? Int(at + ".priority", pr) : 0;
            var period = m.TryGetValue("period", out var pe) ? Duration(at + ".period", pe) : throw new ConfigException($"config key {at}: period is required");
            rules.Add(new RetentionStreamRule(selector, priority, period));
        }
        return rules;
    }

    internal static string Scalar(string key, object value) => value switch
    {
        string s => s,
        _ => throw new ConfigException($"config key {key}: expected a single value, got a {(value is System.Collections.IList ? "list" : "mapping")}"),
    };

    internal static string Str(string key, object value) => Scalar(key, value);

    /// <summary>A list of strings (<c>[]</c> or an empty value is an empty list).</summary>
    internal static List<string> StringList(string key, object? value) => value switch
    {
        null => [],
        string s when s.Length == 0 => [],
        List<object> list => list.Select((v, i) => Scalar($"{key}[{i}]", v)).ToList(),
        _ => throw new ConfigException($"config key {key}: expected a list of strings"),
    };

    internal static bool Bool(string key, object value) => Scalar(key, value).ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        var s => throw new ConfigException($"config key {key}: \"{s}\" is not a boolean; use true or false"),
    };

    internal static int Int(string key, object value)
    {
        var s = Scalar(key, value);
        if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0)
            return n;
        throw new ConfigException($"config key {key}: \"{s}\" is not a whole number ≥ 0");
    }

    /// <summary>A zstd level for <c>compactor.recompress_level</c> (Sawmill-only): 1 to 22.</summary>
    internal static int ZstdLevel(string key, object value)
    {
        var s = Scalar(key, value);
        if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 22)
            return n;
        throw new ConfigException($"config key {key}: \"{s}\" is not a zstd level; use 1 to 22");
    }

    internal static long Long(string key, object value)
    {
        var s = Scalar(key, value);
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0)
            return n;
        throw new ConfigException($"config key {key}: \"{s}\" is not a whole number ≥ 0");
    }

    internal static int Port(string key, object value)
    {
        var n = Int(key, value);
        if (n > 65535)
            throw new ConfigException($"config key {key}: {n} is not a TCP port; use 0 to 65535 (0 picks a free port)");
        return n;
    }

    internal static double NonNegative(string key, object value)
    {
        var s = Scalar(key, value);
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0)
            return d;
        throw new ConfigException($"config key {key}: \"{s}\" is not a number ≥ 0");
    }

    internal static TimeSpan Duration(string key, object value)
    {
        var s = Scalar(key, value);
        if (GoDuration.TryParse(s, out var ns) && ns >= 0)
            return TimeSpan.FromTicks(ns / 100);
        throw new ConfigException($"config key {key}: \"{s}\" is not a duration; use e.g. 30s, 5m, 168h, 7d");
    }

    /// <summary>
    /// A size as Loki's config reads it (flagext.ByteSize over c2h5oh/datasize): a whole number with an optional unit
    /// B, KB, MB, GB, TB, PB (case-insensitive, optional "iB" spelling), all binary — <c>256KB</c> is 262,144 bytes.
    /// </summary>
    internal static long Bytes(string key, object value)
    {
        var s = Scalar(key, value).Trim();
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
            i++;
        var unit = s[i..].Trim().ToUpperInvariant();
        int shift = unit switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            "T" or "TB" or "TIB" => 40,
            "P" or "PB" or "PIB" => 50,
            _ => -1,
        };
        if (i > 0 && shift >= 0 && long.TryParse(s[..i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= long.MaxValue >> shift)
            return n << shift;
        throw new ConfigException($"config key {key}: \"{s}\" is not a size; use bytes or e.g. 256KB, 3MB (binary units)");
    }

    internal static string OneOf(string key, object value, params string[] allowed)
    {
        var s = Scalar(key, value);
        foreach (var a in allowed)
            if (string.Equals(a, s, StringComparison.OrdinalIgnoreCase))
                return a;
        throw new ConfigException($"config key {key}: \"{s}\" is not allowed; use one of {string.Join(", ", allowed)}");
    }
}
