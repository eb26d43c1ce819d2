import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The gateway serves web/dist at "/"; in `npm run dev` the API is proxied to a running stack.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 800 },
  server: {
    proxy: { "/api": process.env.PEDATT_API ?? "http://127.0.0.1:8000" },
  },
});
