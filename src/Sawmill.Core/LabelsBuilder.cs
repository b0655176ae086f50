namespace Sawmill.Core;

/// <summary>A mutable label set for building or editing labels. Not thread-safe.</summary>
public sealed class LabelsBuilder
{
    private readonly List<Label> _labels = [];

    public LabelsBuilder() { }

    public LabelsBuilder(Labels start)
    {
        foreach (var l in start.AsSpan())
            _labels.Add(l);
    }

    public int Count => _labels.Count;

    public string? Get(string name)
    {
        foreach (var l in _labels)
            if (l.Name == name)
                return l.Value;
        return null;
    }

    /// <summary>Sets or replaces a label.</summary>
    public LabelsBuilder Set(string name, string value)
    {
        for (var i = 0; i < _labels.Count; i++)
        {
            if (_labels[i].Name == name)
            {
                _labels[i] = new Label(name, value);
                return this;
            }
        }
        _labels.Add(new Label(name, value));
        return this;
    }

    public LabelsBuilder Delete(string name)
    {
        _labels.RemoveAll(l => l.Name == name);
        return this;
    }

    public LabelsBuilder Reset(Labels start)
    {
        _labels.Clear();
        foreach (var l in start.AsSpan())
            _labels.Add(l);
        return this;
    }

    public IReadOnlyList<Label> Current => _labels;

    public Labels Build() => Labels.From(_labels);
}
