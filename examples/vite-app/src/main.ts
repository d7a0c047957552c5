import { greeting } from "./greeting.ts";

const target = document.querySelector("#greeting");
if (target) target.textContent = greeting("vite-app");
