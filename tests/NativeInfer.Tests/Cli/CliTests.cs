using NativeInfer.Cli;

namespace NativeInfer.Tests.Cli;

/// <summary>The CLI end to end through Program.Run: output, exit codes, one-line errors.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Support.Cli.Run(args);

    [Test]
    public void Cpu_PrintsFeaturesAndChosenIsa()
    {
        var (code, output, _) = Run("cpu");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("kernels:").And.Contain("native lib:"));
    }

    [Test]
    public void SelfCheck_PassesOnEveryIsa()
    {
        var (code, output, _) = Run("selfcheck", "--threads", "2");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("scalar").And.Not.Contain("FAIL"));
    }

    /// <summary>
    /// The kernel report covers every block weight type the native table lists, the read-only i-quants
    /// included (it once stopped at the first type no quantizer writes), at one and at 64 tokens. A small
    /// rotation keeps it quick; the speeds themselves are the benchmarks' business.
    /// </summary>
    [Test]
    public void KernelReport_CoversEveryWeightType()
    {
        using var pool = NativeInfer.Kernels.KernelPool.Create(2);
        var report = NativeInfer.Diagnostics.KernelReport.Run(pool, rotationBytes: 8L << 20);
        var output = new StringWriter();
        NativeInfer.Cli.Commands.KernelsCommand.Print(pool, report, output);
        var types = NativeInfer.Kernels.QuantTypes.WeightTypes.Where(t => NativeInfer.Kernels.QuantTypes.BlockSize(t) > 1).ToList();
        Assert.That(types, Does.Contain(NativeInfer.Interop.NiType.IQ2_XXS));
        foreach (var tokens in new[] { 1, 64 })
            Assert.That(report.Lines.Where(l => l.Tokens == tokens).Select(l => l.Type), Is.EquivalentTo(types), $"N = {tokens}");
        Assert.That(report.Lines.All(l => l.GigabytesPerSecond > 0 && l.Gflops > 0), Is.True);
        string[] lines = output.ToString().TrimEnd().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(2 + 2 * types.Count));
        Assert.That(lines.Skip(2).Select(l => l.IndexOf("2048→1408", StringComparison.Ordinal)).Distinct().Count(), Is.EqualTo(1), "columns line up");
    }

    [Test]
    public void UnknownCommand_IsOneLineUsageError()
    {
        var (code, _, error) = Run("frobnicate");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.Contain("unknown command 'frobnicate'"));
    }

    [Test]
    public void ArgumentsWithLineBreaksAndEscapeSequences_AreEscapedInTheOneLineError()
    {
        var command = Run("frob\nnicate\u001b[31m");
        Assert.That(command.Code, Is.EqualTo(2));
        Assert.That(command.Err, Does.StartWith(@"nativeinfer: unknown command 'frob\nnicate\x1b[31m'"));
        Assert.That(command.Err.TrimEnd('\n').Any(char.IsControl), Is.False, command.Err);

        var path = Run("check", "/no/such\r\nmodel\u001b]0;title\u0007.gguf");
        Assert.That(path.Code, Is.EqualTo(1));
        Assert.That(path.Err.TrimEnd('\n').Any(char.IsControl), Is.False, path.Err);
        Assert.That(path.Err, Does.Contain(@"/no/such\r\nmodel\x1b]0;title\x07.gguf"));
    }

    [Test]
    public void UnknownOption_IsRejected()
    {
        var (code, _, error) = Run("cpu", "--fast");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("unknown option --fast"));
    }

    [Test]
    public void BadOptionValue_NamesTheOption()
    {
        var (code, _, error) = Run("selfcheck", "--threads", "many");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--threads must be an integer"));
    }

    [Test]
    public void Help_ListsCommands()
    {
        var (code, output, _) = Run("help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("selfcheck").And.Contain("kernels"));
    }
}
