using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// Finds calls that hand libtorch a <see cref="Scalar"/> nobody holds. A <see cref="Scalar"/> made by an implicit
/// conversion (<c>tensor + tensor</c> passes <c>alpha = 1</c>, <c>tensor * 0.5</c>, <c>clamp_(0, max)</c>) is
/// unreachable as soon as its handle is read, so a garbage collection during the native call may run its
/// finalizer, which frees the native scalar while libtorch still reads it: "Expected false to be true ...
/// toFloat at c10/core/Scalar.h". The audit reads IL: a TorchSharp method is hazardous when it converts to
/// <see cref="Scalar"/> without disposing it, or calls a hazardous method; our code may call neither, and may
/// make a scalar only in a static initializer (held for the process) or in a method that disposes it (a
/// <c>using</c>, which keeps it alive until after the call).
/// </summary>
internal static class TorchScalarAudit
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly string ScalarType = typeof(Scalar).FullName!;
    private static readonly string TensorType = typeof(torch.Tensor).FullName!;

    private static readonly Lazy<HashSet<int>> TorchHazards = new(FindTorchHazards);

    /// <summary>One line per method of <paramref name="assembly"/> that makes a scalar it does not hold or calls a hazardous TorchSharp method.</summary>
    public static IReadOnlyList<string> Findings(Assembly assembly)
    {
        var findings = new List<string>();
        var torch = typeof(Scalar).Assembly.GetName().Name;
        foreach (var method in Methods(assembly))
        {
            var callees = Callees(method).ToList();
            var holds = HoldsScalars(method, callees);
            var inPlay = TypesInPlay(method);
            foreach (var callee in callees.Where(c => c.Module.Assembly.GetName().Name == torch))
            {
                if (IsImplicitToScalarOrTensor(callee) || (IsScalarFactory(callee) && !holds))
                {
                    findings.Add($"{Name(method)} makes a scalar it does not hold ({Name(callee)})");
                }
                else if (TorchHazards.Value.Contains(callee.MetadataToken))
                {
                    findings.Add($"{Name(method)} calls {Name(callee)}, which passes libtorch a Scalar that nothing holds");
                }
                else if (callee.IsVirtual && Overrides(callee, inPlay).FirstOrDefault(o => TorchHazards.Value.Contains(o.MetadataToken)) is { } hazardous)
                {
                    findings.Add($"{Name(method)} calls {Name(hazardous)} (virtually), which passes libtorch a Scalar that nothing holds");
                }
            }
        }

        return findings;
    }

    /// <summary>
    /// The types whose objects <paramref name="method"/> can call virtually: its locals and the fields of its type
    /// (which hold an async method's locals and a lambda's captures), so that a call IL names by its base
    /// declaration (<c>Optimizer.step</c>) is checked in the override that runs (<c>AdamW.step</c>).
    /// </summary>
    private static List<Type> TypesInPlay(MethodBase method)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        var locals = method.GetMethodBody()?.LocalVariables.Select(l => l.LocalType) ?? [];
        var fields = method.DeclaringType?.GetFields(all).Select(f => f.FieldType) ?? [];
        return [.. locals.Concat(fields).Where(t => !t.IsGenericParameter).Distinct()];
    }

    private static IEnumerable<MethodBase> Overrides(MethodBase callee, List<Type> types)
    {
        const BindingFlags instance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
        if (callee is not MethodInfo virtualMethod || callee.DeclaringType is not { } declaring)
        {
            yield break;
        }

        var slot = virtualMethod.GetBaseDefinition();
        foreach (var type in types.Where(t => t != declaring && declaring.IsAssignableFrom(t)))
        {
            var found = type.GetMethods(instance).FirstOrDefault(m => m.Name == slot.Name && m.GetBaseDefinition() is var b && b.MetadataToken == slot.MetadataToken && b.Module == slot.Module);
            if (found is not null && found.Module == callee.Module)
            {
                yield return found;
            }
        }
    }

    /// <summary>Every TorchSharp method that converts to a scalar without holding it, or calls one that does (to a fixed point).</summary>
    private static HashSet<int> FindTorchHazards()
    {
        var assembly = typeof(Scalar).Assembly;
        var callers = new Dictionary<int, HashSet<int>>();
        var hazards = new HashSet<int>();
        foreach (var method in Methods(assembly))
        {
            var callees = Callees(method).Where(c => c.Module == method.Module).ToList();
            var holds = HoldsScalars(method, callees);
            // Only scalars: TorchSharp's own implicit tensors (`return false;` for a null argument) go back to the caller, who holds them.
            if (callees.Exists(c => IsImplicitToScalar(c) || IsScalarFactory(c)) && !holds && !IsScalarFactory(method) && !IsImplicitToScalar(method))
            {
                hazards.Add(method.MetadataToken);
            }

            foreach (var callee in callees)
            {
                if (!callers.TryGetValue(callee.MetadataToken, out var set))
                {
                    callers[callee.MetadataToken] = set = [];
                }

                set.Add(method.MetadataToken);
            }
        }

        var pending = new Queue<int>(hazards);
        while (pending.TryDequeue(out var hazard))
        {
            foreach (var caller in callers.GetValueOrDefault(hazard) ?? [])
            {
                if (hazards.Add(caller))
                {
                    pending.Enqueue(caller);
                }
            }
        }

        return hazards;
    }

    // By name, not identity: an assembly audited from its own load context has its own copy of TorchSharp.
    private static bool IsImplicitToScalarOrTensor(MethodBase method) =>
        IsImplicitToScalar(method) || (method.Name == "op_Implicit" && method is MethodInfo info && info.ReturnType.FullName == TensorType);

    private static bool IsImplicitToScalar(MethodBase method) =>
        method.Name == "op_Implicit" && method is MethodInfo info && info.ReturnType.FullName == ScalarType;

    private static bool IsScalarFactory(MethodBase method) =>
        method.Name == nameof(ScalarExtensionMethods.ToScalar) && method.DeclaringType?.FullName == typeof(ScalarExtensionMethods).FullName;

    // A static initializer stores what it makes in static fields; a method that disposes holds its scalars in a using.
    private static bool HoldsScalars(MethodBase method, List<MethodBase> callees) =>
        method.Name == ConstructorInfo.TypeConstructorName || callees.Exists(IsDispose);

    private static bool IsDispose(MethodBase method) => method.Name == nameof(IDisposable.Dispose) && method.GetParameters().Length == 0;

    private static IEnumerable<MethodBase> Methods(Assembly assembly)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.OfType<Type>()];
        }

        return types.SelectMany(t => t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)));
    }

    /// <summary>The methods <paramref name="method"/>'s IL calls, constructs or takes the address of.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (BadImageFormatException)
        {
            il = null;
        }

        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            short value = il[at++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[at++]));
            }

            var code = OpCodesByValue[value];
            if (code.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, at);
                MethodBase? callee;
                try
                {
                    callee = method.Module.ResolveMethod(token, typeArguments, methodArguments);
                }
                catch (Exception e) when (e is ArgumentException or TypeLoadException or FileNotFoundException or MissingMethodException)
                {
                    callee = null;
                }

                if (callee is not null)
                {
                    yield return callee;
                }
            }

            at += OperandSize(code.OperandType, il, at);
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    private static string Name(MethodBase method) =>
        $"{method.DeclaringType?.FullName}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";
}
