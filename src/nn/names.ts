/**
 * The names of the data sets and backends, apart from the code that loads
 * them, so that the command line can check its options without loading
 * TensorFlow.js, sharp and the rest (which take a good half second).
 */

/** The names `loadDataset` accepts. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10', 'imagenet'] as const;

/** One of {@link DATASET_NAMES}. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** A backend a user can ask for; `auto` takes the fastest available. */
export type BackendRequest = 'auto' | 'node' | 'wasm' | 'cpu';

/** The backends `selectBackend` accepts, for option parsing. */
export const BACKEND_REQUESTS: readonly BackendRequest[] = [
  'auto',
  'node',
  'wasm',
  'cpu',
];
