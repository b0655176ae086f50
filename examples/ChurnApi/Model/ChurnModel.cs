namespace ChurnApi.Model;

/// <summary>
/// Logistic regression over <see cref="FeatureSpec.All"/>, trained at start-up by full-batch gradient descent on
/// standardised synthetic customers. Immutable after <see cref="Train"/>; thread-safe. Missing inputs are imputed
/// with the training mean (a standardised 0), which is why the API warns about them.
/// </summary>
internal sealed class ChurnModel
{
    private readonly double[] _weights;
    private readonly double _bias;
    private readonly double[] _mean;
    private readonly double[] _std;

    private ChurnModel(string version, double[] weights, double bias, double[] mean, double[] std, double trainingAccuracy)
    {
        Version = version;
        _weights = weights;
        _bias = bias;
        _mean = mean;
        _std = std;
        TrainingAccuracy = trainingAccuracy;
    }

    public string Version { get; }

    public double TrainingAccuracy { get; }

    public static ChurnModel Train(string version, int seed, int samples = 4000, int epochs = 400, double learningRate = 0.3)
    {
        var data = new SyntheticCustomers(seed);
        var n = FeatureSpec.All.Length;
        var x = new double[samples][];
        var y = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            x[i] = data.NextFeatures();
            y[i] = data.NextLabel(x[i]) ? 1 : 0;
        }
        var mean = new double[n];
        var std = new double[n];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < samples; i++)
                mean[j] += x[i][j];
            mean[j] /= samples;
            for (var i = 0; i < samples; i++)
                std[j] += (x[i][j] - mean[j]) * (x[i][j] - mean[j]);
            std[j] = Math.Sqrt(std[j] / samples);
            if (std[j] < 1e-9)
                std[j] = 1;
            for (var i = 0; i < samples; i++)
                x[i][j] = (x[i][j] - mean[j]) / std[j];
        }

        var w = new double[n];
        var b = 0.0;
        var grad = new double[n];
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            Array.Clear(grad);
            var gb = 0.0;
            for (var i = 0; i < samples; i++)
            {
                var err = Sigmoid(Dot(w, x[i]) + b) - y[i];
                for (var j = 0; j < n; j++)
                    grad[j] += err * x[i][j];
                gb += err;
            }
            for (var j = 0; j < n; j++)
                w[j] -= learningRate * grad[j] / samples;
            b -= learningRate * gb / samples;
        }

        var correct = 0;
        for (var i = 0; i < samples; i++)
            correct += (Sigmoid(Dot(w, x[i]) + b) >= 0.5) == (y[i] == 1) ? 1 : 0;
        return new ChurnModel(version, w, b, mean, std, (double)correct / samples);
    }

    /// <summary>Names of model inputs absent from <paramref name="features"/>, in model order.</summary>
    public static List<string> MissingFeatures(IReadOnlyDictionary<string, double> features)
    {
        var missing = new List<string>();
        foreach (var f in FeatureSpec.All)
        {
            if (!features.ContainsKey(f.Name))
                missing.Add(f.Name);
        }
        return missing;
    }

    /// <summary>Churn probability; missing features take the training mean.</summary>
    public double ChurnProbability(IReadOnlyDictionary<string, double> features)
    {
        var z = _bias;
        for (var j = 0; j < FeatureSpec.All.Length; j++)
        {
            if (features.TryGetValue(FeatureSpec.All[j].Name, out var v))
                z += _weights[j] * (v - _mean[j]) / _std[j];
        }
        return Sigmoid(z);
    }

    private static double Dot(double[] a, double[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++)
            s += a[i] * b[i];
        return s;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
}
