using ChurnApi;
using ChurnApi.Traffic;

// ChurnApi [--urls http://127.0.0.1:5000] [--Key=Value …]   run the API
// ChurnApi traffic --target URL [--rps N] [--duration 60s] [--seed N]   run the traffic generator
if (args.Length > 0 && args[0] == "traffic")
    return await TrafficGenerator.RunAsync(args[1..]);

var app = ChurnApiApp.Build(args);
await app.RunAsync();
return 0;
