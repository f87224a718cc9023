import Testing
@testable import GPT2Server

@Suite struct ServerConfigurationTests {
    @Test func environmentSetsTheFields() throws {
        var configuration = ServerConfiguration()
        try configuration.apply(environment: [
            "HOST": "0.0.0.0", "PORT": "9001", "MODEL": "/models/x", "N_TOKENS": "12",
            "ROUTE_GENERATE": "complete", "API_KEY": "k", "CORS_ORIGINS": "https://a.example, https://b.example",
        ])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9001)
        #expect(configuration.modelPath == "/models/x")
        #expect(configuration.defaultMaxTokens == 12)
        #expect(configuration.generateRoute == "complete")
        #expect(configuration.apiKey == "k")
        #expect(configuration.corsOrigins == ["https://a.example", "https://b.example"])
        try configuration.validate()
    }

    @Test func badEnvironmentValuesAreNamed() {
        var configuration = ServerConfiguration()
        #expect(throws: ServerConfigurationError.invalid(name: "PORT", found: "http", expected: "an integer in 0...65535")) {
            try configuration.apply(environment: ["PORT": "http"])
        }
        #expect(throws: ServerConfigurationError.self) { try configuration.apply(environment: ["N_TOKENS": "-1"]) }
        configuration.generateRoute = "v1"
        #expect(throws: ServerConfigurationError.self) { try configuration.validate() }
    }
}
