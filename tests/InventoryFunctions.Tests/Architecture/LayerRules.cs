using System.Reflection;
using System.Reflection.Emit;

namespace InventoryFunctions.Tests.Architecture;

/// <summary>
/// The dependency direction of the app, checked by reflection: which layer each type belongs to (by namespace under a
/// root), and every type each one uses: base types, interfaces, fields, properties, method signatures and, from the IL
/// of every method body, each type, method and field it touches. Compiler-made types (lambdas, async state machines)
/// are nested in the type that wrote them, so they count as that type.
/// </summary>
public sealed class LayerRules(string rootNamespace, IReadOnlyDictionary<string, string[]> allowed, IReadOnlyDictionary<string, string[]> forbiddenExternal)
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The layer a namespace belongs to: the first segment under the root, or "" for the root itself.</summary>
    public string? LayerOf(string? ns)
    {
        if (ns is null || !(ns == rootNamespace || ns.StartsWith(rootNamespace + ".", StringComparison.Ordinal)))
            return null;
        var rest = ns.Length == rootNamespace.Length ? "" : ns[(rootNamespace.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    /// <summary>Every use of a type that its layer may not depend on, as "Type -> used type".</summary>
    public IReadOnlyList<string> Violations(IEnumerable<Type> types)
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            var layer = LayerOf(type.Namespace);
            if (layer is null)
                continue;
            if (!allowed.TryGetValue(layer, out var mayUse))
            {
                violations.Add($"{type.FullName}: namespace '{type.Namespace}' is in no known layer");
                continue;
            }
            var mayNotUse = forbiddenExternal.GetValueOrDefault(layer, []);
            foreach (var used in UsedTypes(type))
            {
                var usedLayer = LayerOf(used.Namespace);
                var ok = usedLayer is null
                    ? !mayNotUse.Any(prefix => used.Namespace?.StartsWith(prefix, StringComparison.Ordinal) == true)
                    : usedLayer == layer || mayUse.Contains(usedLayer);
                if (!ok)
                    violations.Add($"{type.FullName} ({Name(layer)}) -> {used.FullName ?? used.Name} ({Name(usedLayer)})");
            }
        }
        return [.. violations];
    }

    private static string Name(string? layer) => layer switch { null => "external", "" => "root", _ => layer };

    /// <summary>Every type <paramref name="type"/> uses, generic arguments and element types unwrapped.</summary>
    public static IReadOnlySet<Type> UsedTypes(Type type)
    {
        var used = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || t.IsGenericParameter)
                return;
            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }
            if (t.IsConstructedGenericType)
            {
                foreach (var argument in t.GetGenericArguments())
                    Add(argument);
                t = t.GetGenericTypeDefinition();
            }
            used.Add(t);
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
            Add(i);
        foreach (var field in type.GetFields(Declared))
            Add(field.FieldType);
        foreach (var property in type.GetProperties(Declared))
            Add(property.PropertyType);
        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (method is MethodInfo info)
                Add(info.ReturnType);
            foreach (var parameter in method.GetParameters())
                Add(parameter.ParameterType);
            var body = method.GetMethodBody();
            if (body is null)
                continue;
            foreach (var local in body.LocalVariables)
                Add(local.LocalType);
            foreach (var member in MembersUsedBy(method, body.GetILAsByteArray() ?? []))
            {
                if (member is Type t)
                {
                    Add(t);
                }
                else
                {
                    Add(member.DeclaringType);
                    if (member is MethodInfo m)
                    {
                        Add(m.ReturnType);
                        foreach (var argument in m.IsGenericMethod ? m.GetGenericArguments() : [])
                            Add(argument);
                    }
                    else if (member is FieldInfo f)
                    {
                        Add(f.FieldType);
                    }
                }
            }
        }
        foreach (var nested in type.GetNestedTypes(Declared))
            used.UnionWith(UsedTypes(nested));
        used.Remove(type);
        return used;
    }

    /// <summary>The types, methods and fields named by the tokens in <paramref name="il"/>.</summary>
    private static IEnumerable<MemberInfo> MembersUsedBy(MethodBase method, byte[] il)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
                value = (short)(0xFE00 | il[position++]);
            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    var token = BitConverter.ToInt32(il, position);
                    position += 4;
                    MemberInfo? member;
                    try
                    {
                        member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                    }
                    catch (ArgumentException)
                    {
                        member = null; // a token of another module's vararg signature: no type of this app
                    }
                    if (member is not null)
                        yield return member;
                    break;
                case OperandType.InlineSwitch:
                    position += 4 + 4 * BitConverter.ToInt32(il, position);
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    position += 1;
                    break;
                case OperandType.InlineVar:
                    position += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    position += 8;
                    break;
                default:
                    position += 4;
                    break;
            }
        }
    }
}
