import Foundation

/// Builds the demo answer: a multi-step flight-disruption assessment derived from the prompt.
enum DemoScript {
    static func events(prompt: String, earlier: [String], sessionID: String) -> [String] {
        let flight = firstMatch(in: prompt, pattern: #"\b([A-Z]{2}|[A-Z]\d|\d[A-Z])\s?\d{1,4}\b"#) ?? "your flight"
        let hours = firstMatch(in: prompt, pattern: #"\d+(\.\d+)?(?=\s*(h|hr|hrs|hour|hours)\b)"#).flatMap(Double.init)
        let lower = prompt.lowercased()
        let cause: String
        if lower.contains("weather") || lower.contains("storm") || lower.contains("fog") || lower.contains("snow") {
            cause = "weather"
        } else if lower.contains("technical") || lower.contains("maintenance") || lower.contains("mechanical") {
            cause = "a technical issue"
        } else if lower.contains("crew") || lower.contains("staff") {
            cause = "crew availability"
        } else {
            cause = "an unspecified cause"
        }
        var out: [String] = []
        if let previous = earlier.last {
            out.append("Continuing this session (turn \(earlier.count + 1)). Earlier you said: \"\(previous.prefix(120))\". ")
        }
        out.append("Assessing the disruption for \(flight). ")
        if let hours {
            out.append("Reported delay: \(formatHours(hours)), attributed to \(cause).\n")
        } else {
            out.append("No delay length given; treating it as an open-ended disruption caused by \(cause).\n")
        }
        out.append("Step 1/4, passenger impact: checking connections that depart within the delay window… ")
        let severity = (hours ?? 3) >= 3 ? "high" : "moderate"
        out.append("impact is \(severity).\n")
        out.append("Step 2/4, rebooking: ")
        out.append((hours ?? 3) >= 2 ? "proactively rebook tight connections on the next two departures.\n" : "hold current itineraries; connections remain feasible.\n")
        out.append("Step 3/4, care and compensation: ")
        if cause == "weather" {
            out.append("weather counts as an extraordinary circumstance, so no cash compensation is due, but meals and refreshments apply after 2 hours.\n")
        } else {
            out.append("compensation may apply for delays over 3 hours at arrival; meals and refreshments apply after 2 hours.\n")
        }
        out.append("Step 4/4, communication: notify affected passengers by SMS and app push now, then every 30 minutes.\n")
        out.append("Summary: \(flight), \(hours.map(formatHours) ?? "open-ended") delay, \(severity) impact. Ask a follow-up in the same session and I will remember this.")
        return out
    }

    static func formatHours(_ h: Double) -> String {
        h == h.rounded() ? "\(Int(h)) hour\(h == 1 ? "" : "s")" : "\(h) hours"
    }

    static func firstMatch(in text: String, pattern: String) -> String? {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        let range = NSRange(text.startIndex..., in: text)
        guard let m = re.firstMatch(in: text, range: range), let r = Range(m.range, in: text) else { return nil }
        return String(text[r])
    }
}
