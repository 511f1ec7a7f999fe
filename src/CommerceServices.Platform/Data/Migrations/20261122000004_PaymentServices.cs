using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// Payment Services takes cards: payments get a state machine (captured and refunded amounts, a row version), what is
/// kept of the card, and the origin of copies; refunds and idempotency keys get tables. Payments recorded before keep
/// their rows: no card, nothing captured, updated when they were created.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261122000004_PaymentServices")]
public sealed class PaymentServices : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>("DeclineReason", "Payments", nullable: true);
        migrationBuilder.AddColumn<long>("CapturedAmount", "Payments", nullable: false, defaultValue: 0L);
        migrationBuilder.AddColumn<long>("RefundedAmount", "Payments", nullable: false, defaultValue: 0L);
        migrationBuilder.AddColumn<string>("CardBrand", "Payments", nullable: true);
        migrationBuilder.AddColumn<string>("CardLast4", "Payments", nullable: true);
        migrationBuilder.AddColumn<int>("CardExpMonth", "Payments", nullable: true);
        migrationBuilder.AddColumn<int>("CardExpYear", "Payments", nullable: true);
        migrationBuilder.AddColumn<string>("ProcessorReference", "Payments", nullable: true);
        migrationBuilder.AddColumn<string>("OriginId", "Payments", nullable: true);
        migrationBuilder.AddColumn<long>("UpdatedAt", "Payments", nullable: false, defaultValue: 0L);
        migrationBuilder.AddColumn<int>("Version", "Payments", nullable: false, defaultValue: 0);
        migrationBuilder.Sql("""UPDATE "Payments" SET "UpdatedAt" = "CreatedAt";""");
        migrationBuilder.CreateIndex("IX_Payments_DataSpaceId_OriginId", "Payments", ["DataSpaceId", "OriginId"], unique: true);

        migrationBuilder.CreateTable(
            name: "PaymentRefunds",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                PaymentId = table.Column<string>(nullable: false),
                DataSpaceId = table.Column<string>(nullable: false),
                Amount = table.Column<long>(nullable: false),
                OriginId = table.Column<string>(nullable: true),
                CreatedAt = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PaymentRefunds", x => x.Id);
                table.ForeignKey("FK_PaymentRefunds_Payments_PaymentId", x => x.PaymentId, "Payments", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_PaymentRefunds_PaymentId", "PaymentRefunds", "PaymentId");
        migrationBuilder.CreateIndex("IX_PaymentRefunds_DataSpaceId_OriginId", "PaymentRefunds", ["DataSpaceId", "OriginId"], unique: true);

        migrationBuilder.CreateTable(
            name: "PaymentIdempotencyKeys",
            columns: table => new
            {
                DataSpaceId = table.Column<string>(nullable: false),
                Key = table.Column<string>(nullable: false),
                Fingerprint = table.Column<string>(nullable: false),
                Status = table.Column<int>(nullable: true),
                ContentType = table.Column<string>(nullable: true),
                Location = table.Column<string>(nullable: true),
                Body = table.Column<byte[]>(nullable: true),
                CreatedAt = table.Column<long>(nullable: false),
                ExpiresAt = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PaymentIdempotencyKeys", x => new { x.DataSpaceId, x.Key });
                table.ForeignKey("FK_PaymentIdempotencyKeys_DataSpaces_DataSpaceId", x => x.DataSpaceId, "DataSpaces", "Id",
                    onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_PaymentIdempotencyKeys_ExpiresAt", "PaymentIdempotencyKeys", "ExpiresAt");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("PaymentIdempotencyKeys");
        migrationBuilder.DropTable("PaymentRefunds");
        migrationBuilder.DropIndex("IX_Payments_DataSpaceId_OriginId", "Payments");
        foreach (var column in new[] { "DeclineReason", "CapturedAmount", "RefundedAmount", "CardBrand", "CardLast4", "CardExpMonth",
                     "CardExpYear", "ProcessorReference", "OriginId", "UpdatedAt", "Version" })
        {
            migrationBuilder.DropColumn(column, "Payments");
        }
    }
}
