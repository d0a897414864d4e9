import Foundation
import Hummingbird
import PsrecCatalog

extension WebApplication {
    /// The page of a screen recording. The player is not there yet: the metadata and the
    /// indicators.
    static func screenPlayerBody(_ r: CatalogRecording, indicators: [CatalogIndicator], startMicros: Int64?, viewer: WebPage.Viewer) -> String {
        "<h1>Recording <code>\(HTMLText.escape(r.uuid))</code></h1>\n" + metadataList(r) + indicatorTable(indicators)
    }

    /// What the screen player fetches. None yet.
    func screenResource(_ resource: String, parameters: WebParameters, recording: CatalogRecording) async throws -> Response {
        throw WebInputError("A screen recording has no resource '\(resource)'.", status: 404)
    }
}
