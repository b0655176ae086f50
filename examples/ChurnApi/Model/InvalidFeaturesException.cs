namespace ChurnApi.Model;

/// <summary>The request's features cannot be used (wrong type or out of range); the API answers 400.</summary>
internal sealed class InvalidFeaturesException(string message) : ArgumentException(message);
