using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// Payment calls in atomic phases: each money-moving call becomes an operation row with its recovery point; payments can
/// be held by a capture or void in flight and reserve refunds in flight; an idempotency key points at its operation; the
/// sandbox processor keeps its own books; and the platform gets its event outbox. Existing payments, refunds and keys
/// keep their rows: nothing is held or reserved, and a key still waiting for its answer (left by a crash of the earlier
/// version) has no operation and is treated as that version treated it.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261205000300_PaymentPhases")]
public sealed class PaymentPhases : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>("PendingOperationId", "Payments", nullable: true);
        migrationBuilder.AddColumn<long>("PendingRefundAmount", "Payments", nullable: false, defaultValue: 0L);
        migrationBuilder.AddColumn<string>("OperationId", "PaymentIdempotencyKeys", nullable: true);

        migrationBuilder.CreateTable(
            name: "PaymentOperations",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                PaymentId = table.Column<string>(nullable: false),
                DataSpaceId = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Environment = table.Column<string>(nullable: false),
                Kind = table.Column<string>(nullable: false),
                Amount = table.Column<long>(nullable: false),
                Currency = table.Column<string>(nullable: false),
                ProcessorReference = table.Column<string>(nullable: true),
                RefundId = table.Column<string>(nullable: true),
                ProcessorKey = table.Column<string>(nullable: false),
                RecoveryPoint = table.Column<string>(nullable: false),
                LockedUntil = table.Column<long>(nullable: false),
                NotAfter = table.Column<long>(nullable: false),
                IdempotencyKey = table.Column<string>(nullable: true),
                Attempts = table.Column<int>(nullable: false),
                Outcome = table.Column<string>(nullable: true),
                Failure = table.Column<string>(nullable: true),
                CreatedAt = table.Column<long>(nullable: false),
                FinishedAt = table.Column<long>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PaymentOperations", x => x.Id);
                table.ForeignKey("FK_PaymentOperations_Payments_PaymentId", x => x.PaymentId, "Payments", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_PaymentOperations_PaymentId", "PaymentOperations", "PaymentId");
        migrationBuilder.CreateIndex("IX_PaymentOperations_RecoveryPoint_LockedUntil", "PaymentOperations", ["RecoveryPoint", "LockedUntil"]);

        migrationBuilder.CreateTable(
            name: "SandboxProcessorOperations",
            columns: table => new
            {
                Key = table.Column<string>(nullable: false),
                Kind = table.Column<string>(nullable: false),
                Amount = table.Column<long>(nullable: false),
                Currency = table.Column<string>(nullable: true),
                Outcome = table.Column<string>(nullable: false),
                ProcessorReference = table.Column<string>(nullable: true),
                DeclineReason = table.Column<string>(nullable: true),
                Failure = table.Column<string>(nullable: true),
                ReceivedAt = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_SandboxProcessorOperations", x => x.Key));

        migrationBuilder.CreateTable(
            name: "OutboxEvents",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                Type = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Environment = table.Column<string>(nullable: false),
                DataSpaceId = table.Column<string>(nullable: true),
                SubjectId = table.Column<string>(nullable: false),
                Sequence = table.Column<long>(nullable: false),
                Data = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_OutboxEvents", x => x.Id));
        migrationBuilder.CreateIndex("IX_OutboxEvents_SubjectId_Sequence", "OutboxEvents", ["SubjectId", "Sequence"], unique: true);
        migrationBuilder.CreateIndex("IX_OutboxEvents_CreatedAt", "OutboxEvents", "CreatedAt");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("OutboxEvents");
        migrationBuilder.DropTable("SandboxProcessorOperations");
        migrationBuilder.DropTable("PaymentOperations");
        migrationBuilder.DropColumn("OperationId", "PaymentIdempotencyKeys");
        migrationBuilder.DropColumn("PendingRefundAmount", "Payments");
        migrationBuilder.DropColumn("PendingOperationId", "Payments");
    }
}
