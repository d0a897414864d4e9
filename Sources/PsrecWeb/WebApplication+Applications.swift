import Foundation
import HTTPTypes
import Hummingbird
import PsrecCatalog
import PsrecFormat

extension WebApplication {
    /// `GET /applications`: every application with its recording switch, retention, ingest
    /// policy and rights, and the forms that change them, for a web administrator (`psrec
    /// user admin`). Anyone else gets a 403 page and an audit row.
    func applicationsPage(_ request: Request, context: WebRequestContext) async throws -> Response {
        guard request.uri.query == nil || request.uri.query == "" else {
            throw WebInputError("The applications page takes no parameters.")
        }
        guard let visitor = try await visitor(request, context: context) else { return WebPage.redirect(to: "/login") }
        try await requireAdministrator(visitor, context: context, what: "the applications page")
        let applications = try await withCatalog { try $0.applications() }
        return WebPage.response(.ok, html: WebPage.document(title: "Applications", viewer: visitor.viewer,
                                                            body: Self.applicationsBody(applications, formToken: visitor.csrfToken)))
    }

    /// `POST /applications`: one change, named by `action`, to the application `application`:
    ///
    /// - `recording` with `value` `on` or `off`;
    /// - `retention` with `days` (1 to 36500; empty keeps recordings forever);
    /// - `grant` / `revoke` with `user` and `right` (`manage` or `audit`).
    ///
    /// The change is made as `admin:NAME@web` and is in the audit log; then 303 back to the
    /// page. Bad input is a 400 with a sentence and changes nothing.
    func changeApplication(_ request: Request, context: WebRequestContext) async throws -> Response {
        let form = try await form(request)
        guard let visitor = try await visitor(request, context: context) else { return WebPage.redirect(to: "/login") }
        try await checkCSRF(form, visitor: visitor, context: context)
        try await requireAdministrator(visitor, context: context, what: "a change of an application")
        for name in form.values.keys where !["csrf", "application", "action", "value", "days", "user", "right"].contains(name) {
            throw WebInputError("A change of an application has no field '\(name)'.")
        }
        guard let application = form["application"] else { throw WebInputError("Say which application to change (the field application).") }
        let admin = Principal.administrator(login: visitor.user + "@web")
        let change: @Sendable (Catalog) throws -> Void
        switch form["action"] {
        case "recording":
            guard let value = form["value"], value == "on" || value == "off" else {
                throw WebInputError("Recording is turned on or off: the value is on or off.")
            }
            change = { try $0.setRecording(value == "on", application: application, by: admin) }
        case "retention":
            let days = try Self.retentionDays(form["days"])
            change = { try $0.setRetention(days: days, application: application, by: admin) }
        case let action? where action == "grant" || action == "revoke":
            guard let user = form["user"] else { throw WebInputError("Say to whom the right is \(action == "grant" ? "granted" : "taken from") (the field user).") }
            do { try Principal.checkUserName(user) } catch { throw WebInputError(error.message) }
            guard let right = form["right"].flatMap(Right.init(rawValue:)) else {
                throw WebInputError("The right is manage or audit.")
            }
            change = { catalog in
                guard try catalog.application(application) != nil else {
                    throw CatalogError(.applicationNotFound, "The application \(application) is not in the catalog.")
                }
                if action == "grant" {
                    try catalog.grant(right, to: user, on: .application(application), by: admin)
                } else if try !catalog.revoke(right, from: user, on: .application(application), by: admin) {
                    throw WebInputError("\(user) does not have the \(right.rawValue) right on \(application).")
                }
            }
        default:
            throw WebInputError("The action is recording, retention, grant or revoke.")
        }
        do {
            try await withCatalog(change)
        } catch let error as CatalogError where error.code == .applicationNotFound {
            throw WebInputError(error.message, status: 404)
        }
        return WebPage.redirect(to: "/applications")
    }

    /// A retention in days from the form: empty is forever.
    static func retentionDays(_ text: String?) throws(WebInputError) -> Int? {
        guard let text else { return nil }
        guard text.count <= 5, text.allSatisfy(\.isASCIINumberCharacter), let days = Int(text), (1...36_500).contains(days) else {
            throw WebInputError("A retention is a number of days from 1 to 36500, or empty to keep recordings forever.")
        }
        return days
    }

    /// Refuses (403, with an audit row naming the address) a visitor who is not a web
    /// administrator.
    func requireAdministrator(_ visitor: Visitor, context: WebRequestContext, what: String) async throws {
        guard !visitor.administrator else { return }
        let peer = address(context), user = visitor.user
        try await withCatalog { try $0.auditWeb(actor: user, action: "refused", detail: "\(what): not a web administrator; from \(peer)") }
        throw WebInputError("Only a web administrator may see or change the applications; the refusal was recorded.", status: 403)
    }

    static func applicationsBody(_ applications: [PsrecCatalog.Application], formToken: String) -> String {
        let token = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(formToken))\">"
        func form(_ app: PsrecCatalog.Application, _ fields: String, button: String) -> String {
            "<form class=\"inline\" method=\"post\" action=\"/applications\">\(token)<input type=\"hidden\" name=\"application\" value=\"\(HTMLText.escape(app.name))\">\(fields)<button type=\"submit\">\(button)</button></form>"
        }
        var html = "<h1>Applications</h1>\n"
        if applications.isEmpty { return html + "<p>None: add one with <code>psrec app add</code>.</p>\n" }
        html += "<table class=\"applications\"><thead><tr><th>Application</th><th>Protocol</th><th>Recording</th><th>Retention</th><th>Ingest</th><th>Rights</th></tr></thead><tbody>\n"
        for app in applications {
            let name = HTMLText.escape(app.name)
            html += "<tr><td class=\"app-name\">\(name)</td><td>\(HTMLText.escape(app.sessionProtocol.rawValue))</td>"
            html += "<td>\(app.recordingEnabled ? "on" : "off") "
            html += form(app, "<input type=\"hidden\" name=\"action\" value=\"recording\"><input type=\"hidden\" name=\"value\" value=\"\(app.recordingEnabled ? "off" : "on")\">",
                         button: app.recordingEnabled ? "Turn off" : "Turn on") + "</td>"
            let days: String = app.retentionDays.map { String($0) } ?? ""
            let retention: String = "<input type=\"hidden\" name=\"action\" value=\"retention\"><input name=\"days\" inputmode=\"numeric\" size=\"6\" value=\"" + days + "\" placeholder=\"forever\" aria-label=\"days\"> days "
            html += "<td>" + form(app, retention, button: "Set") + "</td>"
            html += "<td>\(HTMLText.escape(app.ingestPolicy.rawValue))</td><td><ul class=\"rights\">"
            for (right, users) in [(Right.manage, app.managers), (Right.audit, app.auditors)] {
                for user in users {
                    html += "<li>\(right.rawValue): \(HTMLText.escape(user)) "
                    html += form(app, "<input type=\"hidden\" name=\"action\" value=\"revoke\"><input type=\"hidden\" name=\"user\" value=\"\(HTMLText.escape(user))\"><input type=\"hidden\" name=\"right\" value=\"\(right.rawValue)\">", button: "Revoke") + "</li>"
                }
            }
            html += "</ul>" + form(app, "<input type=\"hidden\" name=\"action\" value=\"grant\"><input name=\"user\" size=\"12\" placeholder=\"user\" aria-label=\"user\"> <select name=\"right\" aria-label=\"right\"><option>audit</option><option>manage</option></select> ", button: "Grant")
            html += "</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }
}
