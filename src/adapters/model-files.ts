/**
 * Saving and loading tf.layers models as `model.json` + `weights.bin` in a
 * folder (the layout tfjs-node's `file://` handler uses), written through
 * temporary names and renamed into place.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArtifacts } from './files.js';

/** Whether `dir` holds a saved model. */
export async function hasModel(dir: string): Promise<boolean> {
  try {
    await stat(join(dir, 'model.json'));
    return true;
  } catch {
    return false;
  }
}

/** Save a model's topology and weights under `dir`, plus extra JSON. */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData;
      const bytes =
        weights === undefined
          ? new Uint8Array(0)
          : new Uint8Array(
              Array.isArray(weights) ? await new Blob(weights).arrayBuffer() : weights,
            );
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: 'af',
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        ...extra,
      };
      await writeArtifacts(
        dir,
        [
          { path: 'weights.bin', data: Buffer.from(bytes) },
          { path: 'model.json', data: JSON.stringify(json) },
        ],
        { force: true },
      );
      return {
        modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' },
      };
    }),
  );
}

/** Load a model saved by {@link saveModel}, and its extra JSON. */
export async function loadModel(
  dir: string,
): Promise<{ model: tf.LayersModel; extra: Record<string, unknown> }> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  } & Record<string, unknown>;
  const weights = await readFile(join(dir, 'weights.bin'));
  const buffer = weights.buffer.slice(
    weights.byteOffset,
    weights.byteOffset + weights.byteLength,
  );
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: buffer,
    }),
  );
  const {
    modelTopology: _t,
    weightsManifest: _w,
    format: _f,
    generatedBy: _g,
    ...extra
  } = json;
  return { model, extra };
}
