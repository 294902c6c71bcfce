// Two namespaces that use each other only inside method bodies: what NamespaceCycleTests must still see as a cycle.

namespace NativeInfer.Tests.Architecture.CycleSampleA
{
    internal static class UsesB
    {
        public static int Call() => CycleSampleB.UsesA.Name().Length;
    }
}

namespace NativeInfer.Tests.Architecture.CycleSampleB
{
    internal static class UsesA
    {
        public static string Name() => typeof(CycleSampleA.UsesB).Name;
    }
}
