using System.Runtime.CompilerServices;

// Every signature in this assembly is blittable: no runtime marshalling anywhere.
[assembly: DisableRuntimeMarshalling]
