using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// Webhooks: endpoints with their signing secrets, deliveries (one row per event and endpoint) with their attempts, and
/// the key-expiry notices already recorded. Adds tables only: existing rows are untouched, and events already in the
/// outbox simply have no deliveries (no endpoint existed to take them); a range replay can send them.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261205000600_Webhooks")]
public sealed class Webhooks : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "WebhookEndpoints",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Environment = table.Column<string>(nullable: false),
                Url = table.Column<string>(nullable: false),
                Description = table.Column<string>(nullable: true),
                Events = table.Column<string>(nullable: false),
                Enabled = table.Column<bool>(nullable: false),
                DisabledReason = table.Column<string>(nullable: true),
                DisabledAt = table.Column<long>(nullable: true),
                FailingSince = table.Column<long>(nullable: true),
                ConsecutiveFailures = table.Column<int>(nullable: false),
                ProbeAt = table.Column<long>(nullable: true),
                CreatedAt = table.Column<long>(nullable: false),
                UpdatedAt = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookEndpoints", x => x.Id);
                table.ForeignKey("FK_WebhookEndpoints_Accounts_AccountId", x => x.AccountId, "Accounts", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_WebhookEndpoints_AccountId_Environment", "WebhookEndpoints", ["AccountId", "Environment"]);

        migrationBuilder.CreateTable(
            name: "WebhookSecrets",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                EndpointId = table.Column<string>(nullable: false),
                Key = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
                ExpiresAt = table.Column<long>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookSecrets", x => x.Id);
                table.ForeignKey("FK_WebhookSecrets_WebhookEndpoints_EndpointId", x => x.EndpointId, "WebhookEndpoints", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_WebhookSecrets_EndpointId", "WebhookSecrets", "EndpointId");

        migrationBuilder.CreateTable(
            name: "WebhookDeliveries",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                EndpointId = table.Column<string>(nullable: false),
                EventId = table.Column<string>(nullable: false),
                SubjectId = table.Column<string>(nullable: false),
                Sequence = table.Column<long>(nullable: false),
                State = table.Column<string>(nullable: false),
                Attempts = table.Column<int>(nullable: false),
                NextAttemptAt = table.Column<long>(nullable: false),
                LeaseToken = table.Column<string>(nullable: true),
                CreatedAt = table.Column<long>(nullable: false),
                CompletedAt = table.Column<long>(nullable: true),
                FirstAttemptAt = table.Column<long>(nullable: true),
                LastAttemptAt = table.Column<long>(nullable: true),
                LastStatusCode = table.Column<int>(nullable: true),
                LastError = table.Column<string>(nullable: true),
                Replay = table.Column<bool>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookDeliveries", x => x.Id);
                table.ForeignKey("FK_WebhookDeliveries_WebhookEndpoints_EndpointId", x => x.EndpointId, "WebhookEndpoints", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_WebhookDeliveries_State_NextAttemptAt", "WebhookDeliveries", ["State", "NextAttemptAt"]);
        migrationBuilder.CreateIndex("IX_WebhookDeliveries_EndpointId_SubjectId_State_Sequence", "WebhookDeliveries", ["EndpointId", "SubjectId", "State", "Sequence"]);
        migrationBuilder.CreateIndex("IX_WebhookDeliveries_EndpointId_CreatedAt", "WebhookDeliveries", ["EndpointId", "CreatedAt"]);
        migrationBuilder.CreateIndex("IX_WebhookDeliveries_EventId", "WebhookDeliveries", "EventId");

        migrationBuilder.CreateTable(
            name: "WebhookAttempts",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                DeliveryId = table.Column<string>(nullable: false),
                EndpointId = table.Column<string>(nullable: false),
                At = table.Column<long>(nullable: false),
                DurationMs = table.Column<int>(nullable: false),
                StatusCode = table.Column<int>(nullable: true),
                Error = table.Column<string>(nullable: true),
                Response = table.Column<string>(nullable: true),
                Node = table.Column<string>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookAttempts", x => x.Id);
                table.ForeignKey("FK_WebhookAttempts_WebhookDeliveries_DeliveryId", x => x.DeliveryId, "WebhookDeliveries", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_WebhookAttempts_EndpointId_At", "WebhookAttempts", ["EndpointId", "At"]);
        migrationBuilder.CreateIndex("IX_WebhookAttempts_DeliveryId", "WebhookAttempts", "DeliveryId");

        migrationBuilder.CreateTable(
            name: "KeyExpiryNotices",
            columns: table => new
            {
                KeyPairId = table.Column<string>(nullable: false),
                Hours = table.Column<int>(nullable: false),
                RecordedAt = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_KeyExpiryNotices", x => new { x.KeyPairId, x.Hours });
                table.ForeignKey("FK_KeyExpiryNotices_KeyPairs_KeyPairId", x => x.KeyPairId, "KeyPairs", "Id", onDelete: ReferentialAction.Cascade);
            });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("KeyExpiryNotices");
        migrationBuilder.DropTable("WebhookAttempts");
        migrationBuilder.DropTable("WebhookDeliveries");
        migrationBuilder.DropTable("WebhookSecrets");
        migrationBuilder.DropTable("WebhookEndpoints");
    }
}
