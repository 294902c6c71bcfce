namespace NativeInfer.Models.Modules;

/// <summary>A container of numbered children (model.layers).</summary>
public sealed class ModuleList(string path) : Module(path)
{
    public T Append<T>(Func<string, T> create) where T : Module => Add(create(ChildPath(Children.Count.ToString())));
}
