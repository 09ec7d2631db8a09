using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions.Queues;

/// <summary>The Storage queues of the projections, on the <c>PoisonQueueStorage</c> connection; names checked at start against Azure's rules.</summary>
public sealed class QueueOptions
{
    // Azure Storage: 3–63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.
    private const string QueueName = "^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$";
    private const string QueueNameRule = "An Azure Storage queue name is 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.";

    [Required, RegularExpression(QueueName, ErrorMessage = QueueNameRule), ConfigurationKeyName(AppSettings.PoisonQueueName)]
    public string PoisonQueueName { get; set; } = "projection-poison";

    [Required, RegularExpression(QueueName, ErrorMessage = QueueNameRule), ConfigurationKeyName(AppSettings.RebuildQueueName)]
    public string RebuildQueueName { get; set; } = "projection-rebuilds";
}
