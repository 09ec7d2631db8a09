// Small types with known dependencies, for testing the layer checker itself (see ArchitectureTests).
namespace InventoryFunctions.Tests.Architecture.Samples.Domain
{
    public sealed record Item(string Id);

    public sealed class ItemThatSavesItself
    {
        // Nothing in the signature names the adapter: only the IL of the body does.
        public override string ToString() => Cosmos.Store.Save(new Item("x"));
    }
}

namespace InventoryFunctions.Tests.Architecture.Samples.Application
{
    using InventoryFunctions.Tests.Architecture.Samples.Domain;

    public static class GoodService
    {
        public static Item Make(string id) => new(id);
    }

    public sealed class ServiceHoldingStores
    {
        public List<Cosmos.Store> Stores { get; } = [];

        public static object Key(string id) => new Microsoft.Azure.Cosmos.PartitionKey(id);
    }
}

namespace InventoryFunctions.Tests.Architecture.Samples.Cosmos
{
    using InventoryFunctions.Tests.Architecture.Samples.Domain;

    public sealed class Store
    {
        public static string Save(Item item) => item.Id;
    }
}
