using System.Reflection;
using NativeInfer.Injection;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using static NativeInfer.Tests.Injection.InjectionTrees;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// The registry is read from [Operator] and [PhaseOp] attributes: every name a rule can say — operator,
/// alias, generate_op / prefill_op — leads to the class that carries it, and a user assembly's attributed
/// operators register the same way.
/// </summary>
public class OperatorAttributeTests
{
    private static readonly Assembly Runtime = typeof(InjectedOperator).Assembly;

    [Test]
    public void EveryOperatorName_AndAlias_ResolvesToTheClassThatDeclaresIt()
    {
        var registry = OperatorRegistry.CreateDefault();
        var declared = Runtime.GetTypes().SelectMany(t => t.GetCustomAttributes<OperatorAttribute>().Select(a => (Type: t, Attribute: a))).ToList();
        Assert.That(declared, Has.Count.GreaterThanOrEqualTo(20), "the built-in operator names (KTransformersLinear … DecoderLayer)");
        foreach (var (type, a) in declared)
            foreach (string name in a.Aliases.Prepend(a.Name))
            {
                OperatorDescriptor? d = registry.Resolve(name);
                Assert.That(d?.OperatorType, Is.EqualTo(type), name);
                Assert.That(d!.Name, Is.EqualTo(a.Name), name);
                Assert.That(d.ModuleTypes, Is.EqualTo(a.Modules), name);
                Assert.That(d.OptionsType, Is.EqualTo(a.Options), name);
            }
        // And nothing else: every short name the registry lists is declared on a class.
        Assert.That(registry.Names, Is.EquivalentTo(declared.Select(x => x.Attribute.Name).Concat(declared.SelectMany(x => x.Attribute.Aliases)).Where(n => !n.Contains('.')).Distinct()));
    }

    [Test]
    public void EveryPhaseOp_IsAClassOfThatName_AndItsAliasesResolveToIt()
    {
        var ops = Runtime.GetTypes().Select(t => (Type: t, Attribute: t.GetCustomAttribute<PhaseOpAttribute>())).Where(x => x.Attribute is not null).ToList();
        Assert.That(ops.Select(o => o.Attribute!.Name), Is.EquivalentTo(new[] { "KLinearCPU", "KLinearManaged", "KLinearMarlin", "KExpertsCPU", "KExpertsManaged" }));
        var registry = OperatorRegistry.CreateDefault();
        foreach (var (type, a) in ops)
        {
            Assert.That(type.Name, Is.EqualTo(a!.Name), "a YAML op name is the class name: one hop from the rule to the code");
            OperatorDescriptor owner = registry.Resolve(a.Of.GetCustomAttributes<OperatorAttribute>().First().Name)!;
            foreach (string name in a.Aliases.Prepend(a.Name))
                Assert.That(owner.ResolveOp!(name), Is.EqualTo(a.Name), name);
        }
    }

    [Test]
    public void Descriptor_DevicesComeFromThePhaseOps()
    {
        var registry = OperatorRegistry.CreateDefault();
        OperatorDescriptor linear = registry.Resolve("KTransformersLinear")!, experts = registry.Resolve("KTransformersExperts")!;
        Assert.That((linear.CudaOp, linear.CpuOp, linear.RunsOnCuda), Is.EqualTo(("KLinearMarlin", "KLinearCPU", true)));
        Assert.That(linear.CudaOnlyOps, Is.EquivalentTo(new[] { "KLinearMarlin" }));
        Assert.That((experts.CudaOp, experts.CpuOp, experts.RunsOnCuda), Is.EqualTo(((string?)null, "KExpertsCPU", false)));
        Assert.That(experts.CudaOnlyOps, Is.EquivalentTo(new[] { "KExpertsMarlin" }), "declared by [UnimplementedCudaOp]");
        Assert.That(registry.Resolve("RMSNorm")!.ResolveOp, Is.Null, "an operator with no [PhaseOp] classes takes no generate_op");
    }

    [Test]
    public void RegisterAssembly_UserOperatorWithTheAttribute_IsNamedLikeABuiltIn()
    {
        var registry = OperatorRegistry.CreateDefault().RegisterAssembly(typeof(OperatorAttributeTests).Assembly);
        var options = new InjectionOptions { Operators = registry };
        InjectionPlan plan = Plan(DeepseekV2Lite(), """
            - match: { name: "^model\\.norm$" }
              replace: { class: my.package.PassThroughNorm }
            """, options);
        Assert.That(plan.Entry("model.norm").Operator!.OperatorType, Is.EqualTo(typeof(PassThroughNormOperator)));
        Assert.That(plan.ExplainRow("model.norm")[3..5], Is.EqualTo(new[] { "PassThroughNorm", "NativeInfer.Tests.Injection.PassThroughNormOperator" }));
        var e = Assert.Throws<InjectionException>(() => Plan(DeepseekV2Lite(), """
            - match: { name: "^lm_head$" }
              replace: { class: PassThroughNorm }
            """, options));
        Assert.That(e!.Message, Is.EqualTo("test.yaml:1 (rule 1): operator PassThroughNorm does not apply to lm_head (Linear); it handles RMSNorm"));
    }
}

/// <summary>A user operator declared by attribute (planned only, never run).</summary>
[Operator("PassThroughNorm", Aliases = ["my.package.PassThroughNorm"], Modules = [typeof(RMSNorm)])]
public sealed class PassThroughNormOperator(OperatorContext context) : InjectedOperator(context);
