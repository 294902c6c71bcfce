namespace NativeInfer.Cli.CommandLine;

/// <summary>
/// The parsed command line: positionals in order, `--name value` / `--name=value` options and
/// `--flag` switches. Hand-written because System.CommandLine is still a preview package; this
/// covers what the CLI needs in a page (see docs/dependencies.md).
/// </summary>
public sealed class CliArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = [];
    private int _nextPositional;

    /// <param name="args">Arguments after the command name.</param>
    /// <param name="switches">Options that take no value.</param>
    public CliArguments(IEnumerable<string> args, params string[] switches)
    {
        var isSwitch = new HashSet<string>(switches, StringComparer.Ordinal) { "verbose", "help" };
        using IEnumerator<string> e = args.GetEnumerator();
        bool onlyPositionals = false;
        while (e.MoveNext())
        {
            string a = e.Current;
            if (onlyPositionals || !a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2)
            {
                if (a == "--") { onlyPositionals = true; continue; }
                _positionals.Add(a);
                continue;
            }
            string name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) (name, value) = (name[..eq], name[(eq + 1)..]);
            else if (!isSwitch.Contains(name))
            {
                // A missing value is reported when the command asks for the option, so an
                // option the command does not know is reported as unknown instead.
                value = e.MoveNext() ? e.Current : MissingValue;
            }
            if (!_options.TryAdd(name, value)) throw new CliUsageException($"option --{name} is given twice");
        }
    }

    public bool Verbose => Flag("verbose");

    public bool Flag(string name)
    {
        _consumed.Add(name);
        return _options.ContainsKey(name);
    }

    public string? Option(string name)
    {
        _consumed.Add(name);
        if (!_options.TryGetValue(name, out string? v)) return null;
        if (ReferenceEquals(v, MissingValue)) throw new CliUsageException($"option --{name} needs a value");
        return v;
    }

    private static readonly string MissingValue = new('\0', 1);

    public int IntOption(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        string? text = Option(name);
        if (text is null) return defaultValue;
        if (!int.TryParse(text, out int v) || v < min || v > max)
            throw new CliUsageException($"--{name} must be an integer in [{min}, {max}] (got '{text}')");
        return v;
    }

    public string RequiredPositional(string what)
    {
        if (_nextPositional >= _positionals.Count) throw new CliUsageException($"missing {what}");
        return _positionals[_nextPositional++];
    }

    public string? OptionalPositional() => _nextPositional < _positionals.Count ? _positionals[_nextPositional++] : null;

    /// <summary>Fails on anything the command did not ask for (a typo must not be silently ignored).</summary>
    public void EnsureAllConsumed()
    {
        if (_nextPositional < _positionals.Count)
            throw new CliUsageException($"unexpected argument '{_positionals[_nextPositional]}'");
        foreach (string name in _options.Keys)
            if (!_consumed.Contains(name)) throw new CliUsageException($"unknown option --{name}");
    }
}

/// <summary>A command line the CLI cannot act on; exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
