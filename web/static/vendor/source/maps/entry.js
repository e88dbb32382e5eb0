// The parts of d3 and topojson-client that web/static/views.js draws with, exposed as one global: TwinningVendor.
export { select } from "d3-selection";
export { zoom, zoomIdentity, zoomTransform } from "d3-zoom";
export { geoPath, geoConicConformal } from "d3-geo";
export { scaleLinear, scaleBand, scaleUtc } from "d3-scale";
export { axisBottom, axisLeft } from "d3-axis";
export { forceSimulation, forceLink, forceManyBody, forceCollide, forceX, forceY } from "d3-force";
export { extent, max, min } from "d3-array";
export { line } from "d3-shape";
export { feature, mesh } from "topojson-client";
