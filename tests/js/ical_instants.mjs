// Reads an iCalendar object on stdin and prints DTSTART and DTEND of each VEVENT as ical.js reads them,
// as UTC (YYYYMMDDTHHMMSSZ), one a line; FLOATING for a time without a zone.
import ICAL from "ical.js";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;

const calendar = new ICAL.Component(ICAL.parse(input));
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  for (const time of [event.startDate, event.endDate]) {
    if (time.zone === ICAL.Timezone.localTimezone || time.zone === undefined || time.zone === null) {
      console.log("FLOATING");
      continue;
    }
    const utc = time.convertToZone(ICAL.Timezone.utcTimezone);
    const pad = (n, w = 2) => String(n).padStart(w, "0");
    console.log(`${pad(utc.year, 4)}${pad(utc.month)}${pad(utc.day)}T${pad(utc.hour)}${pad(utc.minute)}${pad(utc.second)}Z`);
  }
}
