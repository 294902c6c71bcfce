using System.Reflection;
using System.Reflection.Emit;

namespace NativeInfer.Tests.Architecture;

/// <summary>
/// Which namespaces of an assembly use which, read by reflection: every type's base type, interfaces, generic
/// arguments and constraints, attributes, fields, properties, events, method and constructor signatures and
/// locals, and every type, method and field token in the method bodies' IL. A reference is attributed to the
/// namespace of the type that holds it (nested and compiler-generated types count as their declaring type's).
/// </summary>
internal sealed class NamespaceGraph
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private readonly Assembly _assembly;
    private readonly Func<string, string> _node;

    /// <summary>From namespace → to namespace → one example ("Type uses Type").</summary>
    public Dictionary<string, Dictionary<string, string>> Edges { get; } = new(StringComparer.Ordinal);

    /// <param name="node">Maps a namespace to its node in the graph (itself, or the layer it belongs to).</param>
    public NamespaceGraph(Assembly assembly, Func<string, string> node)
    {
        _assembly = assembly;
        _node = node;
        foreach (Type type in assembly.GetTypes())
            if (type.Namespace is not null) Scan(type);
    }

    public IEnumerable<string> Nodes => Edges.Keys.Concat(Edges.Values.SelectMany(e => e.Keys)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    /// <summary>The strongly connected components with more than one namespace: each is at least one cycle.</summary>
    public List<List<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();
        foreach (string n in Nodes)
            if (!index.ContainsKey(n)) Connect(n);
        return result;

        void Connect(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in Edges.GetValueOrDefault(v)?.Keys ?? Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(w))
                {
                    Connect(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do
            {
                x = stack.Pop();
                onStack.Remove(x);
                component.Add(x);
            } while (x != v);
            if (component.Count > 1) result.Add(component.Order(StringComparer.Ordinal).ToList());
        }
    }

    /// <summary>The edges inside a component, one example each: "A → B (X uses Y)".</summary>
    public IEnumerable<string> Describe(IReadOnlyCollection<string> component) =>
        from source in component
        from edge in Edges.GetValueOrDefault(source) ?? []
        where component.Contains(edge.Key)
        select $"{source} → {edge.Key} ({edge.Value})";

    private void Scan(Type type)
    {
        string from = _node(type.Namespace!);
        void Use(Type? used, string how)
        {
            foreach (Type t in Expand(used))
            {
                if (t.Assembly != _assembly || t.Namespace is null) continue;
                string to = _node(t.Namespace);
                if (to == from) continue;
                if (!Edges.TryGetValue(from, out var targets)) Edges[from] = targets = new(StringComparer.Ordinal);
                targets.TryAdd(to, $"{Name(type)} {how} {Name(t)}");
            }
        }

        Use(type.BaseType, "derives from");
        foreach (Type i in type.GetInterfaces()) Use(i, "implements");
        if (type.IsGenericTypeDefinition)
            foreach (Type p in type.GetGenericArguments())
                foreach (Type c in p.GetGenericParameterConstraints()) Use(c, "constrains by");
        Attributes(type.CustomAttributes, Use);
        foreach (FieldInfo f in type.GetFields(Declared))
        {
            Use(f.FieldType, "has a field of");
            Attributes(f.CustomAttributes, Use);
        }
        foreach (PropertyInfo p in type.GetProperties(Declared))
        {
            Use(p.PropertyType, "has a property of");
            Attributes(p.CustomAttributes, Use);
        }
        foreach (EventInfo e in type.GetEvents(Declared)) Use(e.EventHandlerType, "has an event of");
        foreach (MethodBase m in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (m is MethodInfo mi) Use(mi.ReturnType, "returns");
            foreach (ParameterInfo p in m.GetParameters()) Use(p.ParameterType, "takes");
            Attributes(m.CustomAttributes, Use);
            MethodBody? body;
            try
            {
                body = m.GetMethodBody();
            }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
            {
                continue;
            }
            if (body is null) continue;
            foreach (LocalVariableInfo l in body.LocalVariables) Use(l.LocalType, "has a local of");
            foreach (MemberInfo member in TokensIn(m, body.GetILAsByteArray() ?? []))
            {
                switch (member)
                {
                    case Type t:
                        Use(t, "uses");
                        break;
                    case FieldInfo f:
                        Use(f.DeclaringType, "reads or writes a field of");
                        Use(f.FieldType, "uses");
                        break;
                    case MethodBase called:
                        Use(called.DeclaringType, "calls");
                        if (called is MethodInfo ci)
                        {
                            Use(ci.ReturnType, "calls a method returning");
                            if (ci.IsGenericMethod) foreach (Type a in ci.GetGenericArguments()) Use(a, "calls a method generic over");
                        }
                        foreach (ParameterInfo p in called.GetParameters()) Use(p.ParameterType, "calls a method taking");
                        break;
                }
            }
        }
    }

    private static void Attributes(IEnumerable<CustomAttributeData> attributes, Action<Type?, string> use)
    {
        foreach (CustomAttributeData a in attributes)
        {
            use(a.AttributeType, "is marked with");
            foreach (CustomAttributeTypedArgument arg in a.ConstructorArguments.Concat(a.NamedArguments.Select(n => n.TypedValue)))
            {
                if (arg.Value is Type t) use(t, "names in an attribute");
                if (arg.Value is IEnumerable<CustomAttributeTypedArgument> items)
                    foreach (var item in items)
                        if (item.Value is Type it) use(it, "names in an attribute");
            }
        }
    }

    /// <summary>The members and types the IL names (method, field, type and ldtoken operands).</summary>
    private static IEnumerable<MemberInfo> TokensIn(MethodBase method, byte[] il)
    {
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE && at + 1 < il.Length ? (short)(0xFE00 | il[at + 1]) : il[at];
            if (!OpCodesByValue.TryGetValue(value, out OpCode op)) yield break;  // not IL we can read: stop rather than misread
            at += op.Size;
            switch (op.OperandType)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArgs, methodArgs);
                    }
                    catch (Exception e) when (e is ArgumentException or BadImageFormatException or MissingMemberException or TypeLoadException)
                    {
                    }
                    if (member is not null) yield return member;
                    at += 4;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + 4 * BitConverter.ToInt32(il, at);
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineBrTarget:
                case OperandType.InlineI:
                case OperandType.InlineSig:
                case OperandType.InlineString:
                case OperandType.ShortInlineR:
                    at += 4;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    at += 1;
                    break;
            }
        }
    }

    /// <summary>The type and every type it is made of (element types, generic arguments).</summary>
    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null) yield break;
        if (type.HasElementType)
        {
            foreach (Type t in Expand(type.GetElementType())) yield return t;
            yield break;
        }
        if (type.IsGenericParameter) yield break;
        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType)
            foreach (Type a in type.GetGenericArguments())
                foreach (Type t in Expand(a)) yield return t;
    }

    private static string Name(Type t) => t.IsNested ? $"{Name(t.DeclaringType!)}.{t.Name}" : t.Name;
}
