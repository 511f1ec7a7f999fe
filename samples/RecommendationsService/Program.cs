using RecommendationsService;

var app = RecommendationsApplication.Build(args);
await app.InitializeAsync();
await app.RunAsync();
