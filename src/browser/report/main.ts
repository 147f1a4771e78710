/**
 * The HTML report's script (inlined into the report by src/eval/report.ts, bundled from these
 * modules at build time by scripts/build-browser.mjs): reads the JSON blob in
 * `<script id="report-data">` and draws everything from it.
 */
import { byId } from "../dom.js";
import { drawPerClassChart, drawStrategiesChart } from "./charts.js";
import type { ReportPageData } from "./data.js";
import { drawFewShot } from "./fewshot.js";
import { drawMeta, drawSummary } from "./summary.js";
import { drawFailed, drawHeatmaps, drawPairs } from "./tables.js";

const data = JSON.parse(byId("report-data").textContent ?? "") as ReportPageData;
drawMeta(data);
drawSummary(data);
drawStrategiesChart(data);
drawPerClassChart(data);
drawHeatmaps(data);
drawPairs(data);
drawFailed(data);
if (data.fewshot) drawFewShot(data.fewshot);
