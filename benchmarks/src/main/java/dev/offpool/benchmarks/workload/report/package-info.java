/**
 * The workload study's report: reads the runs' CSV files, draws the plots (JFreeChart into JFreeSVG) and writes the
 * tables of figures and the targets ({@link dev.offpool.benchmarks.workload.report.WorkloadReport}).
 */
package dev.offpool.benchmarks.workload.report;
