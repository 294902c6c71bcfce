using System.Text;
using NativeInfer.Formats;
using NativeInfer.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace NativeInfer.Tests.Formats;

/// <summary>
/// The pre-scan that keeps deep YAML away from YamlDotNet's recursive parser: it must never count less
/// nesting than YamlDotNet builds (the reference: the depth of the node tree YamlDotNet returns), must
/// refuse what is too deep, and must not be fooled into counting brackets that are text.
/// </summary>
public class YamlLimitsTests
{
    /// <summary>Collections nested in YamlDotNet's tree (a scalar alone is 0).</summary>
    private static int TreeDepth(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? 0 : stream.Documents.Max(d => Depth(d.RootNode));

        static int Depth(YamlNode node) => node switch
        {
            YamlSequenceNode s => 1 + (s.Children.Count == 0 ? 0 : s.Children.Max(Depth)),
            YamlMappingNode m => 1 + (m.Children.Count == 0 ? 0 : m.Children.Max(p => Math.Max(Depth(p.Key), Depth(p.Value)))),
            _ => 0,
        };
    }

    private static IEnumerable<string> RealRuleFiles()
    {
        foreach (string f in Directory.GetFiles(Path.Combine(RepoPaths.Root, "rules"), "*.yaml")) yield return f;
        string shared = Path.Combine(RepoPaths.TestData, "rules");
        if (Directory.Exists(shared))
            foreach (string f in Directory.GetFiles(shared, "*.yaml", SearchOption.AllDirectories)) yield return f;
    }

    [Test]
    public void RealRuleFiles_AreMeasuredAtLeastAsDeepAsYamlDotNetParsesThem_AndFarBelowTheLimit()
    {
        var files = RealRuleFiles().ToList();
        Assert.That(files, Has.Count.GreaterThanOrEqualTo(2));
        foreach (string file in files)
        {
            string text = File.ReadAllText(file);
            int actual = TreeDepth(text);
            (int measured, _) = YamlLimits.MeasureNesting(text);
            TestContext.Out.WriteLine($"{Path.GetFileName(file)}: YamlDotNet depth {actual}, measured {measured}");
            Assert.That(measured, Is.GreaterThanOrEqualTo(actual), file);
            Assert.That(measured, Is.LessThanOrEqualTo(actual + 2), file);
            Assert.DoesNotThrow(() => YamlLimits.CheckNesting(text), file);
        }
    }

    /// <summary>Documents nesting <c>n</c> collections with each construct the parser recurses on.</summary>
    private static string Nested(string construct, int n) => construct switch
    {
        "flow sequence" => new string('[', n) + new string(']', n),
        "flow mapping" => string.Concat(Enumerable.Repeat("{a: ", n)) + "x" + new string('}', n),
        "flow across lines" => string.Concat(Enumerable.Repeat("[\n", n)) + string.Concat(Enumerable.Repeat("]\n", n)),
        "block mapping" => string.Concat(Enumerable.Range(0, n).Select(i => new string(' ', i) + "k:\n")) + new string(' ', n) + "v\n",
        "block sequence" => string.Concat(Enumerable.Range(0, n).Select(i => new string(' ', i) + "-\n")) + new string(' ', n) + "v\n",
        "compact sequence" => string.Concat(Enumerable.Repeat("- ", n)) + "v\n",
        "explicit keys" => string.Concat(Enumerable.Repeat("? ", n)) + "v\n",
        "mapping of flow" => "rules: " + new string('[', n - 1) + new string(']', n - 1) + "\n",
        "anchored and tagged" => string.Concat(Enumerable.Repeat("&a !!seq [", n)) + new string(']', n),
        "after a document marker" => "--- " + new string('[', n) + new string(']', n) + "\n",
        _ => throw new ArgumentException(construct),
    };

    private static readonly string[] Constructs =
    [
        "flow sequence", "flow mapping", "flow across lines", "block mapping", "block sequence", "compact sequence", "explicit keys",
        "mapping of flow", "anchored and tagged", "after a document marker",
    ];

    [TestCaseSource(nameof(Constructs))]
    public void EveryConstruct_IsMeasuredAtLeastAsDeep_AcceptedBelowTheLimit_RefusedAbove(string construct)
    {
        string ok = Nested(construct, YamlLimits.MaxDepth - 2);
        int actual = TreeDepth(ok);
        Assert.That(actual, Is.GreaterThanOrEqualTo(YamlLimits.MaxDepth - 2), "the construct nests as intended");
        Assert.That(YamlLimits.MeasureNesting(ok).Depth, Is.GreaterThanOrEqualTo(actual));
        Assert.DoesNotThrow(() => YamlLimits.CheckNesting(ok));

        string deep = Nested(construct, YamlLimits.MaxDepth + 1);
        Assert.That(TreeDepth(deep), Is.GreaterThan(YamlLimits.MaxDepth));
        Assert.Throws<YamlLimitException>(() => YamlLimits.CheckNesting(deep));
    }

    [TestCaseSource(nameof(Constructs))]
    public void HostileDepth_IsRefusedAtTheLineItGoesTooDeep(string construct)
    {
        // Block nesting grows quadratically in text: 2 000 levels are 2 M characters.
        string hostile = Nested(construct, construct is "block mapping" or "block sequence" ? 2_000 : 50_000);
        var e = Assert.Throws<YamlLimitException>(() => YamlLimits.CheckNesting(hostile))!;
        if (construct is "block mapping" or "block sequence" or "flow across lines")
            Assert.That(e.Line, Is.InRange(YamlLimits.MaxDepth - 2, YamlLimits.MaxDepth + 1), "one line per level");
        else Assert.That(e.Line, Is.EqualTo(1));
        Assert.That(e.Message, Does.Contain($"deeper than {YamlLimits.MaxDepth} levels"));
    }

    [Test]
    public void BracketsThatAreText_DoNotCount()
    {
        string many = new('[', 1000);
        string yaml = $"""
            - match: {"{"} name: "{many}\"{many}" {"}"}   # {many}
              replace:
                class: '{many}''{many}'
                kwargs:
                  note: |
                    {many}
                    {many}
                  plain: a{many}
                  folded: >-
                      {many}
                  list: [ "{many}", '{many}', x ]
            # {many}
            """;
        Assert.That(TreeDepth(yaml), Is.EqualTo(5), "real YAML, nested five levels (rule list, rule, replace, kwargs, list)");
        Assert.That(YamlLimits.MeasureNesting(yaml).Depth, Is.InRange(5, 7));
        Assert.DoesNotThrow(() => YamlLimits.CheckNesting(yaml));
    }

    [Test]
    public void ReadFile_RefusesMoreThanTheLimit_AndReadsACharacterDeviceOnlyUpToIt()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes("\uFEFF- a\n"));
            Assert.That(YamlLimits.ReadFile(path), Is.EqualTo("- a\n"), "the BOM is dropped");
            File.WriteAllBytes(path, new byte[YamlLimits.MaxBytes + 1]);
            var e = Assert.Throws<YamlLimitException>(() => YamlLimits.ReadFile(path))!;
            Assert.That(e.Message, Does.Contain($"{YamlLimits.MaxBytes + 1} bytes"));
        }
        finally
        {
            File.Delete(path);
        }
        if (!File.Exists("/dev/zero")) Assert.Ignore("SKIPPED: no /dev/zero on this system");
        var endless = Assert.Throws<YamlLimitException>(() => YamlLimits.ReadFile("/dev/zero"))!;
        Assert.That(endless.Message, Does.Contain($"longer than {YamlLimits.MaxBytes} bytes"));
    }
}
