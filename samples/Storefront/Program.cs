using Storefront;

var app = StorefrontApplication.Build(args);
await app.RunAsync();
