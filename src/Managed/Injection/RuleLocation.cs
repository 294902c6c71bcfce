namespace NativeInfer.Injection;

/// <summary>Where a rule (or one of its values) comes from: "rules.yaml:12 (rule 3)".</summary>
public readonly record struct RuleLocation(string File, int Line, int RuleIndex)
{
    public override string ToString() => $"{File}:{Line} (rule {RuleIndex + 1})";
}
