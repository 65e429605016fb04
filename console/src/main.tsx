/** The operations console: a browser application over the admin API, served at /console. */
import './styles.css';
import { render } from 'preact';
import { App } from './app';

const root = document.getElementById('app');
if (root) render(<App />, root);
