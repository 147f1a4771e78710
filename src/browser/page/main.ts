/**
 * The web page's script (served as /assets/app.js, bundled from these modules at build time by
 * scripts/build-browser.mjs): wire the inputs, the Classify button and the search box, then ask
 * the server what it offers.
 */
import { byId } from "../dom.js";
import { classifyClick } from "./classify.js";
import { loadConfig, wireKey } from "./config.js";
import { wireImages } from "./images.js";
import { wireClassesAndPrompts } from "./prompts.js";
import { wireSearch } from "./search.js";

wireImages();
wireClassesAndPrompts();
wireKey();
wireSearch();
byId("classify").addEventListener("click", () => void classifyClick());
void loadConfig();
