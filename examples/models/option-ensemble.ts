/**
 * The instances behind examples/ensemble-stream.ts: one replicate of a Monte Carlo option pricer per task.
 * Each task draws from its own stream, `taskContext().rng` — a pure function of (pool seed, call key, task
 * index) — so the ensemble's numbers are the same on any number of workers, after a crash, or when a
 * checkpointed run is resumed.
 *
 * This file holds only the class: the pool's workers import it, so it must not run any example code itself.
 */
import { taskContext } from '../../lib/index.ts';

export interface Market {
  spot: number;
  strike: number;
  rate: number;
  volatility: number;
  years: number;
}

export class OptionEnsemble {
  /**
   * One replicate: the discounted mean payoff of a European call over `paths` simulated terminal prices
   * (geometric Brownian motion, exact in one step), with antithetic pairs to halve the variance.
   */
  replicate(market: Market, paths: number): number {
    const { rng } = taskContext();
    const { spot, strike, rate, volatility, years } = market;
    const drift = (rate - 0.5 * volatility * volatility) * years;
    const spread = volatility * Math.sqrt(years);
    let sum = 0;
    for (let i = 0; i < paths; i += 2) {
      const z = rng.normal();
      sum += Math.max(0, spot * Math.exp(drift + spread * z) - strike);
      sum += Math.max(0, spot * Math.exp(drift - spread * z) - strike);
    }
    return (Math.exp(-rate * years) * sum) / (paths + (paths % 2));
  }
}

/** The Black–Scholes price of the same call: the value the ensemble converges to. */
export function blackScholesCall({ spot, strike, rate, volatility, years }: Market): number {
  const d1 = (Math.log(spot / strike) + (rate + 0.5 * volatility * volatility) * years) / (volatility * Math.sqrt(years));
  const d2 = d1 - volatility * Math.sqrt(years);
  return spot * normalCdf(d1) - strike * Math.exp(-rate * years) * normalCdf(d2);
}

/** Φ(x) by the complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851973 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}
