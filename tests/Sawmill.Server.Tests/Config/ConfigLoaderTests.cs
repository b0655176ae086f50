using Sawmill.Server.Config;

namespace Sawmill.Server.Tests.Config;

/// <summary>Loki's YAML format: typed keys, legacy keys warned about once each, clear errors, env expansion, overrides.</summary>
public sealed class ConfigLoaderTests
{
    [Fact]
    public void Known_keys_are_read_with_Lokis_units()
    {
        var c = ConfigLoader.Load("""
            auth_enabled: true
            server:
              http_listen_address: 0.0.0.0
              http_listen_port: 3101
            limits_config:
              ingestion_rate_mb: 12.5
              max_line_size: 256KB
              per_stream_rate_limit: 5MB
              reject_old_samples_max_age: 7d
              max_query_length: 721h
            querier:
              multi_tenant_queries_enabled: true
            runtime_config:
              file: /etc/sawmill/overrides.yaml
              period: 5s
            """, expandEnv: false);
        Assert.True(c.AuthEnabled);
        Assert.Equal("0.0.0.0", c.HttpListenAddress);
        Assert.Equal(3101, c.HttpListenPort);
        Assert.Equal(12.5, c.Limits.IngestionRateMb);
        Assert.Equal(256 * 1024, c.Limits.MaxLineSize);
        Assert.Equal(5 << 20, c.Limits.PerStreamRateLimitMb * 1e6, 1);
        Assert.Equal(TimeSpan.FromDays(7), c.Limits.RejectOldSamplesMaxAge);
        Assert.Equal(TimeSpan.FromHours(721), c.Limits.MaxQueryLength);
        Assert.True(c.MultiTenantQueriesEnabled);
        Assert.Equal("/etc/sawmill/overrides.yaml", c.RuntimeConfigFile);
        Assert.Equal(TimeSpan.FromSeconds(5), c.RuntimeConfigPeriod);
        Assert.Empty(c.Warnings);
    }

    [Fact]
    public void Legacy_and_unknown_keys_give_one_warning_each_and_do_not_stop_start_up()
    {
        var c = ConfigLoader.Load("""
            schema_config:
              configs: []
            table_manager:
              retention_deletes_enabled: true
            ingester:
              max_transfer_retries: 0
              lifecycler:
                ring: {}
            limits_config:
              enforce_metric_name: false
            no_such_section:
              x: 1
            """, expandEnv: false);
        Assert.Single(c.Warnings, w => w.Contains("schema_config is not used"));
        Assert.Single(c.Warnings, w => w.Contains("table_manager is not used"));
        Assert.Single(c.Warnings, w => w.Contains("ingester.max_transfer_retries is not used"));
        Assert.Single(c.Warnings, w => w.Contains("limits_config.enforce_metric_name is not used"));
        Assert.Single(c.Warnings, w => w.Contains("unknown config key no_such_section"));
        Assert.Equal(5, c.Warnings.Count);
    }

    [Fact]
    public void The_scalable_deployment_reads_lokis_ring_and_storage_keys()
    {
        Environment.SetEnvironmentVariable("SAWMILL_TEST_S3_SECRET", "s3cr3t");
        var c = ConfigLoader.Load("""
            target: write
            common:
              path_prefix: /var/lib/sawmill
              replication_factor: 3
              instance_addr: 10.0.0.7
              ring:
                instance_id: write-0
                heartbeat_period: 2s
                heartbeat_timeout: 30s
                kvstore:
                  store: etcd
                  prefix: loki/
                  etcd:
                    endpoints: [10.0.0.1:2379, 10.0.0.2:2379]
                    dial_timeout: 3s
              storage:
                s3:
                  endpoint: minio:9000
                  bucketnames: logs
                  access_key_id: AK
                  secret_access_key: ${SAWMILL_TEST_S3_SECRET}
                  s3forcepathstyle: true
                  insecure: true
                  use_chunk_encoding: false
            querier:
              query_ingesters_within: 2h
            storage_config:
              tsdb_shipper:
                resync_interval: 1m
                cache_location: /var/cache/sawmill
            limits_config:
              split_queries_by_interval: 30m
            """, expandEnv: true);
        Assert.Empty(c.Warnings);
        Assert.Equal("write", c.Target);
        var x = c.Cluster;
        Assert.Equal((3, "10.0.0.7", "write-0", "etcd", "loki/"), (x.ReplicationFactor, x.InstanceAddr, x.InstanceId, x.KvStore, x.KvPrefix));
        Assert.Equal(["10.0.0.1:2379", "10.0.0.2:2379"], x.EtcdEndpoints);
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3)), (x.HeartbeatPeriod, x.HeartbeatTimeout, x.EtcdDialTimeout));
        Assert.Equal((TimeSpan.FromHours(2), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30)), (x.QueryIngestersWithin, x.ResyncInterval, x.SplitQueriesByInterval));
        Assert.Equal("/var/cache/sawmill", x.CacheLocation);
        Assert.Equal(new Sawmill.Storage.Bucket.S3Options
        {
            Endpoint = "minio:9000",
            BucketName = "logs",
            AccessKeyId = "AK",
            SecretAccessKey = "s3cr3t",
            ForcePathStyle = true,
            Insecure = true,
            UseChunkEncoding = false,
        }, x.S3);
    }

    [Fact]
    public void Lokis_older_storage_config_aws_spelling_and_the_s3_url_form_are_read()
    {
        var c = ConfigLoader.Load("storage_config:\n  aws:\n    s3: http://AK:S%2FK@127.0.0.1:9000/logs\n", expandEnv: false);
        Assert.Equal(("127.0.0.1:9000", "logs", "AK", "S/K", true, true), (c.Cluster.S3!.Endpoint, c.Cluster.S3.BucketName, c.Cluster.S3.AccessKeyId, c.Cluster.S3.SecretAccessKey, c.Cluster.S3.Insecure, c.Cluster.S3.ForcePathStyle));
        var aws = ConfigLoader.Load("storage_config:\n  aws:\n    s3: s3://AK:SK@eu-west-1/logs\n", expandEnv: false);
        Assert.Equal(("", "eu-west-1", "logs"), (aws.Cluster.S3!.Endpoint, aws.Cluster.S3.Region, aws.Cluster.S3.BucketName));
    }

    [Theory]
    [InlineData("common:\n  ring:\n    kvstore:\n      store: memberlist\n", "common.ring.kvstore.store: \"memberlist\" is not supported")]
    [InlineData("common:\n  ring:\n    kvstore:\n      store: etcd\n", "common.ring.kvstore.etcd.endpoints is required")]
    [InlineData("common:\n  storage:\n    s3:\n      bucketnames: a,b\n", "names 2 buckets")]
    [InlineData("common:\n  storage:\n    s3:\n      endpoint: x:9000\n", "bucketnames is required")]
    [InlineData("common:\n  replication_factor: 0\n", "common.replication_factor: \"0\" must be at least 1")]
    public void Bad_cluster_settings_stop_start_up_with_the_key_named(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, expandEnv: false));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Legacy_retention_keys_are_honoured_as_aliases()
    {
        var c = ConfigLoader.Load("table_manager:\n  retention_period: 168h\nchunk_store_config:\n  max_look_back_period: 336h\n", expandEnv: false);
        Assert.Equal(TimeSpan.FromHours(168), c.Limits.RetentionPeriod);
        Assert.Equal(TimeSpan.FromHours(336), c.Limits.MaxQueryLookback);
        Assert.Contains(c.Warnings, w => w.Contains("table_manager.retention_period is honoured as limits_config.retention_period"));
    }

    [Theory]
    [InlineData("auth_enabled: maybe", "config key auth_enabled: \"maybe\" is not a boolean; use true or false")]
    [InlineData("server:\n  http_listen_port: -1", "config key server.http_listen_port: \"-1\" is not a whole number")]
    [InlineData("limits_config:\n  max_line_size: big", "config key limits_config.max_line_size: \"big\" is not a size")]
    [InlineData("limits_config:\n  query_timeout: soon", "config key limits_config.query_timeout: \"soon\" is not a duration")]
    [InlineData("ingester:\n  chunk_encoding: gzip9", "config key ingester.chunk_encoding: \"gzip9\" is not allowed; use one of zstd, snappy, lz4, none")]
    [InlineData("server: [1, 2", "invalid YAML at line")]
    [InlineData("- a\n- b", "the top level must be a mapping")]
    public void A_bad_value_names_key_value_and_what_is_allowed(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, expandEnv: false));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Env_expansion_uses_values_and_defaults_only_when_asked()
    {
        Environment.SetEnvironmentVariable("SAWMILL_CFG_TEST_PORT", "4321");
        var yaml = "server:\n  http_listen_port: ${SAWMILL_CFG_TEST_PORT}\n  log_level: ${SAWMILL_CFG_TEST_UNSET:-warn}\n";
        var c = ConfigLoader.Load(yaml, expandEnv: true);
        Assert.Equal(4321, c.HttpListenPort);
        Assert.Equal("warn", c.LogLevel);
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, expandEnv: false));
    }

    [Fact]
    public void Helm_values_with_loki_config_are_read_from_inside()
    {
        var c = ConfigLoader.Load("loki:\n  config:\n    auth_enabled: true\n", expandEnv: false);
        Assert.True(c.AuthEnabled);
        Assert.Contains(c.Warnings, w => w.Contains("Helm values"));
    }

    [Fact]
    public void Runtime_overrides_start_from_the_defaults_and_change_only_the_keys_named()
    {
        var defaults = new LimitsConfig { IngestionRateMb = 4, MaxLineSize = 1000 };
        var warnings = new List<string>();
        var o = ConfigLoader.LoadOverrides("""
            overrides:
              team-a:
                ingestion_rate_mb: 20
                retention_period: 24h
              team-b:
                max_line_size: 10
                not_a_limit: 1
            multi_kv_config: {}
            """, defaults, "overrides.yaml", warnings);
        Assert.Equal(20, o["team-a"].IngestionRateMb);
        Assert.Equal(1000, o["team-a"].MaxLineSize);
        Assert.Equal(TimeSpan.FromHours(24), o["team-a"].RetentionPeriod);
        Assert.Equal(4, o["team-b"].IngestionRateMb);
        Assert.Equal(10, o["team-b"].MaxLineSize);
        Assert.Contains(warnings, w => w.Contains("overrides.team-b.not_a_limit"));
        Assert.Contains(warnings, w => w.Contains("multi_kv_config"));
    }

    [Theory]
    [InlineData("overrides:\n  t:\n    ingestion_rate_mb: fast", "overrides.t.ingestion_rate_mb: \"fast\" is not a number")]
    [InlineData("overrides:\n  ../x:\n    ingestion_rate_mb: 1", "unsupported character '/'")]
    [InlineData("overrides: [1]", "overrides must map tenant ids to limits")]
    public void Bad_overrides_are_named(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadOverrides(yaml, new LimitsConfig(), "o.yaml", []));
        Assert.Contains(expected, e.Message);
    }
}
