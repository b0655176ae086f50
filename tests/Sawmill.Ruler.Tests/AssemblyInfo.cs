// The integration tests start several real processes each (sawmill, Prometheus, Alertmanager); on the shared 2-core
// machines running them one at a time keeps start-up inside the harness's timeouts.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
